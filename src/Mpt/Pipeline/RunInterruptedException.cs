namespace Mpt.Pipeline;

/// <summary>A training run stopped before its last step (Ctrl+C or a simulated kill); its folder can be resumed.</summary>
public sealed class RunInterruptedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RunInterruptedException(string label, long step, string folder)
        : base($"{label} stopped after step {step}; its checkpoint is in {folder}.")
    {
        Label = label;
        Step = step;
        Folder = folder;
    }

    /// <summary>The run that stopped.</summary>
    public string Label { get; }

    /// <summary>Updates done.</summary>
    public long Step { get; }

    /// <summary>The run folder.</summary>
    public string Folder { get; }
}
