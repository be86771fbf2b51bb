namespace Mpt.Pipeline;

/// <summary>
/// When a running pipeline should stop early. <see cref="Request"/> (Ctrl+C) stops after the current step: the training
/// loop writes a checkpoint at that step first (<see cref="Mpt.Training.TrainingHooks.StopRequested"/>), so no update is
/// lost; <see cref="AfterSteps"/> stops after that many updates in this process wherever they fall, as a kill would
/// (tests use it to check resume).
/// </summary>
public sealed class StopSignal
{
    private long _steps;
    private volatile bool _requested;

    /// <summary>Creates a signal; <paramref name="afterSteps"/> simulates a kill after that many updates.</summary>
    public StopSignal(long? afterSteps = null) => AfterSteps = afterSteps;

    /// <summary>Updates after which the run stops as if killed, or null.</summary>
    public long? AfterSteps { get; }

    /// <summary>Whether a stop was requested.</summary>
    public bool IsRequested => _requested;

    /// <summary>Asks the run to checkpoint and stop after its current step.</summary>
    public void Request() => _requested = true;

    /// <summary>Counts one finished update (called from the log hook, which sees every step, the last one included).</summary>
    public void StepDone() => _steps++;

    /// <summary>The loop's simulated-kill hook (<see cref="Mpt.Training.TrainingHooks.StopAfterStep"/>).</summary>
    public Func<long, bool> KillAfterSteps() => _ => AfterSteps is long n && _steps >= n;

    /// <summary>True when a stop (requested or simulated) is pending, so the next run should not start.</summary>
    public bool ShouldNotStart => _requested || (AfterSteps is long n && _steps >= n);
}
