using Mpt.Model;
using Mpt.Prompts;

namespace Mpt.Training;

/// <summary>
/// Trains a target prompt on the task loss (paper §3.2): MPT (P* and averaged u, v from source training, two learning
/// rates), MPT* (one P* for τ targets, mixed-task batches), few-shot runs, the "only P*" / "only u, v" ablations, and the
/// PT and SPoT baselines — all the same loop, differing only in the initial prompt (<see cref="TargetPrompts"/>) and the
/// learning rates (<see cref="AdaptationRates"/>).
/// </summary>
public sealed class TargetAdapter
{
    private readonly IPromptBackbone _backbone;

    /// <summary>Creates an adapter for a frozen T5.</summary>
    public TargetAdapter(T5ForConditionalGeneration backbone, TargetAdaptationOptions options)
        : this(new T5PromptBackbone(backbone), options)
    {
    }

    /// <summary>Creates an adapter for <paramref name="backbone"/> (frozen).</summary>
    public TargetAdapter(IPromptBackbone backbone, TargetAdaptationOptions options)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        _backbone = backbone;
        Options = options;
    }

    /// <summary>The options.</summary>
    public TargetAdaptationOptions Options { get; }

    /// <summary>Trains <paramref name="prompt"/> in place on the target examples.</summary>
    /// <param name="prompt">Initial prompt (see <see cref="TargetPrompts"/>); its task t serves examples with TaskId t.</param>
    /// <param name="examples">Target training examples (for MPT*, every target task's, with their task ids): one pool,
    /// so batches mix tasks in proportion to their sizes.</param>
    /// <param name="hooks">Dev evaluation (keeps the best prompt), run folder, resume, log.</param>
    public StageResult<PromptEncoder> Train(PromptEncoder prompt, IReadOnlyList<TrainingExample> examples, TrainingHooks hooks)
    {
        int maxTask = examples.Count == 0 ? 0 : examples.Max(e => e.TaskId);
        if (maxTask >= prompt.NumTasks)
            throw new ArgumentException($"an example has task id {maxTask} but the prompt serves {prompt.NumTasks} task(s).", nameof(examples));
        var model = _backbone.WithPrompt(prompt);
        var source = ShuffledBatchSource.For(examples, Options.Loop);
        var result = StageRunner.Run(model, Options.Rates, source, PromptTuningObjective.For(model), Options.Loop, hooks,
            new { Stage = "target", Options, Prompt = prompt.GetType().Name, prompt.NumTasks, Examples = examples.Count });
        return new StageResult<PromptEncoder>(prompt, result);
    }
}
