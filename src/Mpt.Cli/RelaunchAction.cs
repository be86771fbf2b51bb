namespace Mpt.Cli;

/// <summary>What <see cref="ReproducibleRelaunch.Decide"/> found.</summary>
public enum RelaunchAction
{
    /// <summary>Run in this process: the mode is off, or the environment is already in place.</summary>
    RunHere,

    /// <summary>Re-execute with <see cref="RelaunchDecision.Set"/> added to the environment.</summary>
    Relaunch,

    /// <summary>The process was already re-executed and the environment is still not in place: stop, do not loop.</summary>
    LoopDetected,

    /// <summary>
    /// The environment is not in place and an MPI launcher started this process (<see cref="Mpt.Distributed.MpiLauncher"/>):
    /// a rank must not replace itself (its launcher tracks it and may already have attached it to the job), so the
    /// variables have to come from the launcher's command line (docs/distributed.md).
    /// </summary>
    SetByLauncher,
}
