using Mpt.Model;
using Mpt.Prompts;

namespace Mpt.Training;

/// <summary>
/// Trains the teacher prompt of one source task (paper §3.1: "we first train a teacher prompt for each source task by
/// conventional prompt tuning"): a <see cref="SoftPrompt"/> with sampled-vocabulary init, task loss only.
/// </summary>
public sealed class TeacherTrainer
{
    private readonly IPromptBackbone _backbone;

    /// <summary>Creates a trainer for a frozen T5 (shared with the other stages).</summary>
    public TeacherTrainer(T5ForConditionalGeneration backbone, TeacherOptions options)
        : this(new T5PromptBackbone(backbone), options)
    {
    }

    /// <summary>Creates a trainer for <paramref name="backbone"/> (frozen; shared with the other stages).</summary>
    public TeacherTrainer(IPromptBackbone backbone, TeacherOptions options)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        _backbone = backbone;
        Options = options;
    }

    /// <summary>The options.</summary>
    public TeacherOptions Options { get; }

    /// <summary>A fresh teacher prompt: l rows of embeddings of ids drawn from the first N vocabulary ids (seeded).</summary>
    public SoftPrompt CreatePrompt()
    {
        using var init = PromptInit.SampledVocabulary(_backbone.VocabularyEmbeddings, Options.PromptLength, Options.Loop.Seed,
            Options.VocabularyPool);
        return new SoftPrompt(init);
    }

    /// <summary>
    /// Trains a teacher on one source task's examples. The prompt ignores their task ids (a teacher has one task: the
    /// single-task prompt sees zeros, <see cref="PromptTuningObjective.StudentTaskIds"/>); a classifier backbone still
    /// uses them to pick the task's label set, so the same backbone serves every teacher and the distillation.
    /// </summary>
    /// <param name="examples">The source task's training examples.</param>
    /// <param name="hooks">Dev evaluation (keeps the best prompt), run folder, resume, log.</param>
    /// <param name="initial">Start from this prompt instead of a fresh one (it is trained in place).</param>
    public StageResult<SoftPrompt> Train(IReadOnlyList<TrainingExample> examples, TrainingHooks hooks, SoftPrompt? initial = null)
    {
        var prompt = initial ?? CreatePrompt();
        var model = _backbone.WithPrompt(prompt);
        var source = ShuffledBatchSource.For(examples, Options.Loop);
        var rates = new PromptLearningRates { Shared = Options.LearningRate, TaskSpecific = null };
        var result = StageRunner.Run(model, rates, source, PromptTuningObjective.For(model), Options.Loop, hooks,
            new { Stage = "teacher", Options, Examples = examples.Count });
        return new StageResult<SoftPrompt>(prompt, result);
    }
}
