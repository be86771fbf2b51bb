namespace Mpt.Pipeline;

/// <summary>
/// When a running pipeline should stop early. <see cref="Request"/> (Ctrl+C) stops right after the next checkpoint is
/// written, so no update is lost; <see cref="AfterSteps"/> stops after that many updates in this process wherever they
/// fall, as a kill would (tests use it to check resume).
/// </summary>
/// <remarks>
/// Why "at the next checkpoint" and not at once: the loop's checkpoint holds optimizer and data-order state only the loop
/// can write, and it writes one every <c>checkpoint_every_steps</c>; stopping between two would lose the updates since
/// the last one.
/// </remarks>
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

    /// <summary>Asks the run to stop at its next checkpoint.</summary>
    public void Request() => _requested = true;

    /// <summary>Counts one finished update (called from the log hook, which sees every step, the last one included).</summary>
    public void StepDone() => _steps++;

    /// <summary>The loop hook for a run that checkpoints every <paramref name="checkpointEvery"/> steps.</summary>
    public Func<long, bool> ForRun(int checkpointEvery) => step =>
    {
        if (AfterSteps is long n && _steps >= n) return true;
        return _requested && checkpointEvery > 0 && step % checkpointEvery == 0;
    };

    /// <summary>True when a stop (requested or simulated) is pending, so the next run should not start.</summary>
    public bool ShouldNotStart => _requested || (AfterSteps is long n && _steps >= n);
}
