using Mpt.Prompts;
using Mpt.Runs;

namespace Mpt.Training;

/// <summary>
/// The parts of a run that come from outside the trainer: the dev evaluation (the evaluator lives elsewhere: the
/// trainers only need a score, higher is better), a run folder for checkpoints and resume, logging, and an early stop.
/// </summary>
public sealed record TrainingHooks
{
    /// <summary>
    /// Dev score of a prompted T5 as it is now (higher is better); called in eval mode. Null = no evaluation. The T5
    /// convenience form of <see cref="EvaluateModel"/> (set at most one of them).
    /// </summary>
    public Func<PromptedT5, double>? Evaluate { get; init; }

    /// <summary>Dev score of the prompted model, any backbone (higher is better); called in eval mode. Null = no evaluation.</summary>
    public Func<IPromptedModel, double>? EvaluateModel { get; init; }

    /// <summary>
    /// The score checkpoint selection maximises, computed right after each dev evaluation (eval mode; step 0 too when
    /// it competes); null = the dev score itself. E.g. the negated dev loss (<c>adapt.selection</c> <c>dev_loss</c>).
    /// The run's best score (<see cref="TrainingResult.BestScore"/>, the checkpoint's) is then this score.
    /// </summary>
    public Func<IPromptedModel, double>? SelectionScore { get; init; }

    /// <summary>
    /// Observes every dev evaluation: the step (0 = the initial prompt, evaluated on a fresh run whenever an observer is
    /// set, competing for selection only with <see cref="TrainingLoopOptions.SelectStepZero"/>), the model in eval mode
    /// and its dev score. Must not change the prompt; used for analysis records (<c>adapt.record_test_curve</c>).
    /// </summary>
    public Action<long, IPromptedModel, double>? Evaluated { get; init; }

    /// <summary>Run folder for config, checkpoints and the final prompt; null = nothing written.</summary>
    public RunFolder? Folder { get; init; }

    /// <summary>
    /// Continue from the folder's latest checkpoint (the CLI's <c>--resume</c>); when the folder has none yet (killed before
    /// the first checkpoint) the run starts fresh. Ignored without a <see cref="Folder"/>.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Receives log entries (every <see cref="TrainingLoopOptions.LogEverySteps"/> and evaluation steps). Under data
    /// parallelism every rank receives the whole batch's entries (and writes nothing: see <see cref="Mpt.Distributed.MpiWorld.IsWriter"/>).
    /// </summary>
    public Action<TrainingLogEntry>? Log { get; init; }

    /// <summary>
    /// Called after every completed step (after its checkpoint, if any) with the step number; returning true stops the
    /// run there, as if the process had been killed (used to test resume, and for time limits). Under data parallelism
    /// every rank calls it and it must answer the same on all of them (a function of the steps, not of a clock).
    /// </summary>
    public Func<long, bool>? StopAfterStep { get; init; }

    /// <summary>
    /// Polled after every step: returning true writes a checkpoint at that step (when there is a <see cref="Folder"/>)
    /// and stops the run, so a resumed run continues exactly where it stopped (Ctrl+C in the CLI).
    /// </summary>
    public Func<bool>? StopRequested { get; init; }

    /// <summary>The evaluation to run: <see cref="EvaluateModel"/>, or <see cref="Evaluate"/> for a T5 run.</summary>
    /// <exception cref="InvalidOperationException">Both are set, or <see cref="Evaluate"/> is set for a backbone that is not T5.</exception>
    internal Func<IPromptedModel, double>? Evaluator()
    {
        if (Evaluate is not null && EvaluateModel is not null)
            throw new InvalidOperationException("TrainingHooks: set either Evaluate (prompted T5) or EvaluateModel (any backbone), not both.");
        if (Evaluate is not { } t5) return EvaluateModel;
        return model => model is PromptedT5 prompted
            ? t5(prompted)
            : throw new InvalidOperationException($"TrainingHooks.Evaluate takes a PromptedT5 but this run trains a {model.GetType().Name}; use EvaluateModel.");
    }
}
