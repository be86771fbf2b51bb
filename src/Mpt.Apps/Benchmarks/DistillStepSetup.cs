using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Benchmarks;

/// <summary>
/// Everything one <c>mpt bench distill-step</c> step needs besides the <see cref="Distiller"/>: the random T5 and batch
/// (<see cref="BenchmarkWorkload"/>), the student <see cref="MultitaskPrompt"/> on it (backbone dropout as
/// <see cref="BenchmarkSettings.Dropout"/> says), one teacher prompt per task and the batch's task ids. Built the same way
/// for the same settings (seeded), so a test can reproduce the benchmark's first step.
/// </summary>
internal sealed class DistillStepSetup : IDisposable
{
    private readonly Tensor _rows;
    private readonly Tensor _taskIds;

    private DistillStepSetup(BenchmarkWorkload workload, Tensor rows, MultitaskPrompt student, PromptedT5 prompted,
        TeacherPromptBank teachers, Tensor taskIds)
    {
        Workload = workload;
        _rows = rows;
        Student = student;
        Prompted = prompted;
        Teachers = teachers;
        _taskIds = taskIds;
        Batch = new PromptBatch(workload.InputIds, workload.AttentionMask, workload.Labels, taskIds);
    }

    public BenchmarkWorkload Workload { get; }

    public MultitaskPrompt Student { get; }

    public PromptedT5 Prompted { get; }

    public TeacherPromptBank Teachers { get; }

    /// <summary>The batch; rows are spread over <see cref="BenchmarkSettings.Tasks"/> tasks.</summary>
    public PromptBatch Batch { get; }

    public static DistillStepSetup Create(BenchmarkSettings settings)
    {
        var workload = BenchmarkWorkload.Create(settings);
        var backbone = workload.Backbone;
        var rows = workload.SampledPromptRows();
        var student = MultitaskPrompt.Create(rows, settings.Tasks, settings.Rank);
        var prompted = new PromptedT5(backbone, student);
        prompted.Train();
        if (!settings.Dropout) backbone.eval(); // frozen backbone without dropout; the prompt still trains

        using var generator = new torch.Generator(settings.Seed + 1);
        // One trained teacher prompt per task in real runs; here the student's init plus noise, so teacher and student
        // differ. Rounded to the backbone's dtype, as a prompt trained on it would be.
        using var teacherPrompts = (rows.unsqueeze(0) + settings.TeacherNoise * torch.randn([settings.Tasks, settings.Prompt, rows.shape[1]], generator: generator))
            .to(backbone.SharedWeight.dtype);                                                                     // (K, l, D)
        var teachers = new TeacherPromptBank(teacherPrompts);
        var taskIds = torch.randint(0, settings.Tasks, [settings.Batch], ScalarType.Int64, generator: generator);
        return new DistillStepSetup(workload, rows, student, prompted, teachers, taskIds);
    }

    public void Dispose()
    {
        Teachers.Dispose();
        Student.Dispose();
        _rows.Dispose();
        _taskIds.Dispose();
        Workload.Dispose();
    }
}
