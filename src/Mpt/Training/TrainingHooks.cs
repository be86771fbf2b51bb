using Mpt.Prompts;
using Mpt.Runs;

namespace Mpt.Training;

/// <summary>
/// The parts of a run that come from outside the trainer: the dev evaluation (the evaluator lives elsewhere: the
/// trainers only need a score, higher is better), a run folder for checkpoints and resume, logging, and an early stop.
/// </summary>
public sealed record TrainingHooks
{
    /// <summary>Dev score of the model as it is now (higher is better); called in eval mode. Null = no evaluation.</summary>
    public Func<PromptedT5, double>? Evaluate { get; init; }

    /// <summary>Run folder for config, checkpoints and the final prompt; null = nothing written.</summary>
    public RunFolder? Folder { get; init; }

    /// <summary>
    /// Continue from the folder's latest checkpoint (the CLI's <c>--resume</c>); when the folder has none yet (killed before
    /// the first checkpoint) the run starts fresh. Ignored without a <see cref="Folder"/>.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>Receives log entries (every <see cref="TrainingLoopOptions.LogEverySteps"/> and evaluation steps).</summary>
    public Action<TrainingLogEntry>? Log { get; init; }

    /// <summary>
    /// Called after every completed step (after its checkpoint, if any) with the step number; returning true stops the
    /// run there, as if the process had been killed (used to test resume, and for time limits).
    /// </summary>
    public Func<long, bool>? StopAfterStep { get; init; }
}
