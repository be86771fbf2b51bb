namespace Mpt.Pipeline;

/// <summary>
/// A gather (<see cref="PipelineRunOptions.Gather"/>) found work items that are not done yet — typically shards of a job
/// array that have not finished (or failed); the message names every missing item on one line.
/// </summary>
public sealed class WorkItemsMissingException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="missing"/> of <paramref name="total"/> items of <paramref name="runDir"/>.</summary>
    public WorkItemsMissingException(string runDir, IReadOnlyList<string> missing, int total)
        : base($"{runDir}: cannot gather, {missing.Count} of {total} work item(s) are not done: {string.Join(", ", missing)} " +
               "(run or restart the shards that own them, or train them here with --resume instead of --gather).")
    {
        Missing = missing;
    }

    /// <summary>The items that are not done (names relative to the run folder, <see cref="WorkItems"/>).</summary>
    public IReadOnlyList<string> Missing { get; }
}
