using Mpt.Model;
using Mpt.Prompts;

namespace Mpt.Training;

/// <summary>
/// Trains the teacher prompt of one source task (paper §3.1: "we first train a teacher prompt for each source task by
/// conventional prompt tuning"): a <see cref="SoftPrompt"/> with sampled-vocabulary init, task loss only.
/// </summary>
public sealed class TeacherTrainer
{
    private readonly T5ForConditionalGeneration _backbone;

    /// <summary>Creates a trainer for <paramref name="backbone"/> (frozen; shared with the other stages).</summary>
    public TeacherTrainer(T5ForConditionalGeneration backbone, TeacherOptions options)
    {
        _backbone = backbone;
        Options = options;
    }

    /// <summary>The options.</summary>
    public TeacherOptions Options { get; }

    /// <summary>A fresh teacher prompt: l rows of embeddings of ids drawn from the first N vocabulary ids (seeded).</summary>
    public SoftPrompt CreatePrompt()
    {
        using var init = PromptInit.SampledVocabulary(_backbone.SharedWeight.detach(), Options.PromptLength, Options.Loop.Seed,
            Math.Min(Options.VocabularyPool, _backbone.Config.VocabSize));
        return new SoftPrompt(init);
    }

    /// <summary>Trains a teacher on one source task's examples (their task ids are ignored: a teacher has one task).</summary>
    /// <param name="examples">The source task's training examples.</param>
    /// <param name="hooks">Dev evaluation (keeps the best prompt), run folder, resume, log.</param>
    /// <param name="initial">Start from this prompt instead of a fresh one (it is trained in place).</param>
    public StageResult<SoftPrompt> Train(IReadOnlyList<TrainingExample> examples, TrainingHooks hooks, SoftPrompt? initial = null)
    {
        var prompt = initial ?? CreatePrompt();
        var model = new PromptedT5(_backbone, prompt);
        var single = examples.Select(e => e.TaskId == 0 ? e : e with { TaskId = 0 }).ToList();
        var source = new ShuffledBatchSource(single, Options.Loop.BatchSize, Options.Loop.Seed);
        var rates = new PromptLearningRates { Shared = Options.LearningRate, TaskSpecific = null };
        var result = StageRunner.Run(model, rates, source, PromptTuningObjective.For(model), Options.Loop, hooks,
            new { Stage = "teacher", Options, Examples = single.Count });
        return new StageResult<SoftPrompt>(prompt, result);
    }
}
