using Mpt.Distributed;
using Mpt.Numerics;
using Mpt.Model;
using Mpt.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// MPT source training (paper §3.1-3.2): learns the decomposed multitask prompt P* ∘ (u_k v_k) over the κ source tasks
/// by prompt distillation from the frozen teachers, L = L_PLM + λ (L_Logits + L_Hidden) (Eq. 5), on mixed-task batches
/// drawn by the <see cref="TaskSampler"/>. The ablations of §4.3 are options (<see cref="DistillationOptions"/>).
/// </summary>
/// <remarks>
/// Backbone-agnostic: it sees an <see cref="IPromptBackbone"/> and its <see cref="IPromptedModel"/>, whose output says
/// what the KL compares (T5: decoder logits at the target positions; a similarity classifier: label scores) and which
/// hidden-state stacks the MSE covers (T5: encoder + decoder; BERT: encoder).
/// </remarks>
public sealed class Distiller
{
    /// <summary>Log name of the KL term.</summary>
    public const string KlLoss = "kl";
    /// <summary>Log name of the hidden-state term.</summary>
    public const string HiddenLoss = "hidden";
    /// <summary>Log name of the prompt-matching term (<see cref="DistillationObjective.PromptMse"/>).</summary>
    public const string PromptMseLoss = "prompt_mse";

    private readonly IPromptBackbone _backbone;

    /// <summary>Creates a distiller for a frozen T5 (the teachers run on the same instance).</summary>
    public Distiller(T5ForConditionalGeneration backbone, DistillationOptions options)
        : this(new T5PromptBackbone(backbone), options)
    {
    }

    /// <summary>Creates a distiller for <paramref name="backbone"/> (frozen; the teachers run on the same instance).</summary>
    public Distiller(IPromptBackbone backbone, DistillationOptions options)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        _backbone = backbone;
        Options = options;
    }

    /// <summary>The options.</summary>
    public DistillationOptions Options { get; }

    /// <summary>
    /// The fresh student: P* = sampled vocabulary rows (as the teachers' init, paper p.4) and κ task factor pairs
    /// (<see cref="DistillationOptions.TaskVectorInit"/>); or one plain prompt for the "no decomposition" ablation.
    /// </summary>
    public PromptEncoder CreatePrompt(int numSourceTasks)
    {
        using var init = PromptInit.SampledVocabulary(_backbone.VocabularyEmbeddings, Options.PromptLength, Options.Loop.Seed,
            Options.VocabularyPool);
        return Options.Decomposition
            ? MultitaskPrompt.Create(init, numSourceTasks, Options.Rank, Options.TaskVectorInit, Options.Loop.Seed)
            : new SoftPrompt(init);
    }

    /// <summary>Runs source training.</summary>
    /// <param name="examplesByTask">Training examples of source task k at index k (TaskId = k).</param>
    /// <param name="teachers">Teacher prompt of source task k at index k; may be empty only for <see cref="DistillationObjective.None"/>.</param>
    /// <param name="hooks">Dev evaluation, run folder, resume, log.</param>
    /// <returns>The trained source prompt: a <see cref="MultitaskPrompt"/>, or a <see cref="SoftPrompt"/> without decomposition.</returns>
    public StageResult<PromptEncoder> Train(IReadOnlyList<IReadOnlyList<TrainingExample>> examplesByTask,
        IReadOnlyList<SoftPrompt> teachers, TrainingHooks hooks)
    {
        int kappa = examplesByTask.Count;
        bool needTeachers = Options.Objective != DistillationObjective.None;
        if (needTeachers && teachers.Count != kappa)
            throw new ArgumentException($"{kappa} source tasks need {kappa} teacher prompts (one per task, same order), got {teachers.Count}.", nameof(teachers));
        if (needTeachers && teachers.Any(t => t.NumVirtualTokens != Options.PromptLength))
            throw new ArgumentException($"every teacher must have the student's prompt length {Options.PromptLength} (the hidden states are compared position by position); got {string.Join(", ", teachers.Select(t => t.NumVirtualTokens))}.", nameof(teachers));

        var prompt = CreatePrompt(kappa);
        var model = _backbone.WithPrompt(prompt);
        using var bank = needTeachers ? new TeacherPromptBank(teachers) : null;
        using var cache = CreateTeacherCache(bank, hooks.Folder?.Path);
        var source = new TaskSampledBatchSource(examplesByTask, Options.SamplerOptions(), Options.Loop.Seed, Options.Loop.LengthGroupFactor,
            Options.Loop.MaxSourceLength);
        var result = StageRunner.Run(model, Options.Rates, source, Objective(model, bank, cache), Options.Loop, hooks,
            new { Stage = "distillation", Options, TaskSizes = examplesByTask.Select(t => t.Count).ToList() });
        TeacherCache = cache?.Statistics;
        return new StageResult<PromptEncoder>(prompt, result);
    }

    /// <summary>
    /// Size and hit counts of the teacher-output cache of the last <see cref="Train"/> call, or null when it ran without
    /// one (<see cref="DistillationOptions.CacheTeacherOutputs"/> off, or an objective without a teacher pass).
    /// </summary>
    public TeacherCacheStatistics? TeacherCache { get; private set; }

    /// <summary>File name of the on-disk teacher-output cache in the stage's run folder (one per rank under data parallelism).</summary>
    public const string TeacherCacheFileName = "teacher_cache.bin";

    /// <summary>
    /// A cache for the teacher pass when <see cref="DistillationOptions.CacheTeacherOutputs"/> is on and the objective
    /// runs one (the KL objectives); null otherwise. The caller owns (disposes) it. In RAM, or with
    /// <see cref="DistillationOptions.TeacherCacheOnDisk"/> in <see cref="TeacherCacheFileName"/> under
    /// <paramref name="directory"/> (reopened if present), or in a temporary file deleted on dispose without a directory.
    /// </summary>
    /// <param name="teachers">The teachers the cache is for (required on disk: the file records their fingerprint).</param>
    /// <param name="directory">The stage's run folder, or null.</param>
    public TeacherOutputCache? CreateTeacherCache(TeacherPromptBank? teachers = null, string? directory = null)
    {
        var o = Options;
        if (!o.CacheTeacherOutputs || o.Objective is not (DistillationObjective.LogitsAndHidden or DistillationObjective.LogitsOnly)) return null;
        bool hidden = o.Objective == DistillationObjective.LogitsAndHidden;
        var layout = new TeacherRowLayout(hidden, o.HiddenLayers, o.TeacherCacheTopK, o.Temperature, o.TeacherCacheHiddenBFloat16);
        if (!o.TeacherCacheOnDisk) return TeacherOutputCache.InMemory(layout);
        ArgumentNullException.ThrowIfNull(teachers);
        bool temporary = directory is null;
        string file = MpiWorld.TrainingGroup is { Size: > 1 } group
            ? Path.ChangeExtension(TeacherCacheFileName, $"rank{group.Rank}.bin")
            : TeacherCacheFileName;
        string path = temporary ? Path.Combine(Path.GetTempPath(), $"mpt-{Guid.NewGuid():N}-{file}") : Path.Combine(directory!, file);
        return TeacherOutputCache.OnDisk(path, TeachersFingerprint(teachers), layout, deleteOnDispose: temporary);
    }

    /// <summary>
    /// SHA-256 over the teacher prompts and the backbone's vocabulary embeddings: an on-disk cache made with other
    /// teachers or another backbone is refused, not read.
    /// </summary>
    private string TeachersFingerprint(TeacherPromptBank teachers)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        teachers.AppendTo(hash);
        using var vocabulary = _backbone.VocabularyEmbeddings.detach().to(ScalarType.Float32, torch.CPU).contiguous();
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"vocabulary [{string.Join(",", vocabulary.shape)}]\n"));
        hash.AppendData(vocabulary.bytes);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The per-batch loss of <see cref="DistillationOptions.Objective"/> (Eq. 5 by default).</summary>
    /// <param name="student">The model with the prompt being trained.</param>
    /// <param name="teachers">The teacher prompts (null only for objectives without teachers).</param>
    /// <param name="cache">
    /// Optional exact cache of the teacher pass (<see cref="CreateTeacherCache"/>): the losses are those of a fresh teacher
    /// pass (see <see cref="TeacherOutputCache"/> for the ulp-level caveat), the teacher forward runs once per example.
    /// </param>
    /// <param name="phaseDone">
    /// Optional, for timing (<c>mpt bench distill-step</c> measures this very step): called with
    /// <c>"student_forward"</c> after the student pass(es), <c>"teacher"</c> after the teacher targets and
    /// <c>"losses"</c> after the loss terms. Training passes null.
    /// </param>
    public Func<PromptBatch, StepLosses> Objective(IPromptedModel student, TeacherPromptBank? teachers, TeacherOutputCache? cache = null,
        Action<string>? phaseDone = null)
    {
        var o = Options;
        return batch =>
        {
            bool hidden = o.Objective == DistillationObjective.LogitsAndHidden;
            var studentIds = PromptTuningObjective.StudentTaskIds(student.Prompt, batch);
            var s = StudentForward(student, batch, student.Prompt.call(studentIds), hidden);
            phaseDone?.Invoke("student_forward");
            var task = s.Loss;
            var parts = new Dictionary<string, Tensor> { [PromptTuningObjective.TaskLoss] = task };
            switch (o.Objective)
            {
                case DistillationObjective.None:
                    return new StepLosses(task, parts) { Terms = [PromptTuningObjective.TaskTerm(s)] };
                case DistillationObjective.PromptMse:
                {
                    var teacherRows = teachers!.PromptsFor(batch.TaskIds);                    // (B, l, d)
                    var studentRows = student.Prompt.call(studentIds);                       // (B, l, d)
                    var positions = torch.ones(batch.Size, student.PromptLength, ScalarType.Bool, studentRows.device);
                    var mse = DistillationLosses.HiddenMse([teacherRows], [studentRows], positions, HiddenLayers.Final, o.Reduction);
                    parts[PromptMseLoss] = mse;
                    return new StepLosses(task.Plus(mse.Times(o.Lambda)), parts)
                    {
                        Terms = [PromptTuningObjective.TaskTerm(s), LossTerm.Reduced(PromptMseLoss, mse, positions, o.Reduction, o.Lambda)],
                    };
                }
                default:
                {
                    var t = cache is null
                        ? TeacherTargets.FromOutput(teachers!.Forward(student, batch, hidden))
                        : cache.Targets(teachers!, student, batch, s);
                    phaseDone?.Invoke("teacher");
                    var kl = t.Kl(s.Logits, s.LogitsMask, o.Temperature, o.Reduction, o.ScaleKlByTemperatureSquared);
                    parts[KlLoss] = kl;
                    List<LossTerm> terms = [PromptTuningObjective.TaskTerm(s), LossTerm.Reduced(KlLoss, kl, s.LogitsMask, o.Reduction, o.Lambda)];
                    var hiddenLoss = hidden ? StackedHiddenMse(t.HiddenStates!, s.HiddenStates!, terms) : torch.zeros([], ScalarType.Float32, task.device);
                    if (hidden) parts[HiddenLoss] = hiddenLoss;
                    var total = DistillationLosses.TotalLoss(task, kl, hiddenLoss, o.Lambda);
                    phaseDone?.Invoke("losses");
                    return new StepLosses(total, parts) { Terms = terms };
                }
            }
        };
    }

    /// <summary>
    /// Eq. (4) summed over the backbone's stacks (T5: encoder + decoder, as <see cref="DistillationLosses.EncoderDecoderHiddenMse"/>;
    /// BERT: the encoder alone), each over its compared positions.
    /// </summary>
    /// <remarks>Each stack's term, weighted by λ and with its own compared positions, is added to <paramref name="terms"/>.</remarks>
    private Tensor StackedHiddenMse(IReadOnlyList<HiddenStateStack> teacher, IReadOnlyList<HiddenStateStack> student, List<LossTerm> terms)
    {
        if (teacher.Count != student.Count || teacher.Count == 0)
            throw new InvalidOperationException($"teacher and student returned {teacher.Count} and {student.Count} hidden-state stacks.");
        Tensor? total = null;
        for (int i = 0; i < teacher.Count; i++)
        {
            var mask = student[i].ComparedPositions(Options.HiddenLossOnPromptPositions);
            var term = DistillationLosses.HiddenMse(teacher[i].States, student[i].States, mask, Options.HiddenLayers, Options.Reduction);
            terms.Add(LossTerm.Reduced(HiddenLoss, term, mask, Options.Reduction, Options.Lambda));
            total = total is null ? term : total.Plus(term);
        }
        return total!;
    }

    /// <summary>
    /// The student's pass on <paramref name="batch"/> with <paramref name="prompts"/>: task loss and logits from the
    /// training pass (backbone dropout as the loop set it); the hidden states, when asked, from the pass
    /// <see cref="DistillationOptions.HiddenStateDropout"/> names — under <see cref="HiddenStateDropout.CleanStudentPass"/>
    /// with dropout on, a second pass with the backbone in eval mode (its mode is restored), so that both sides of the
    /// hidden loss are dropout-free like the teacher's.
    /// </summary>
    private PromptedOutput StudentForward(IPromptedModel student, PromptBatch batch, Tensor prompts, bool hidden)
    {
        bool cleanPass = hidden && Options.HiddenStateDropout == HiddenStateDropout.CleanStudentPass && student.BackboneTraining;
        var output = student.ForwardWithPrompts(batch, prompts, hidden && !cleanPass);
        if (!cleanPass) return output;
        student.BackboneTraining = false;
        try
        {
            return output with { HiddenStates = student.ForwardWithPrompts(batch, prompts, outputHiddenStates: true).HiddenStates };
        }
        finally
        {
            student.BackboneTraining = true;
        }
    }
}
