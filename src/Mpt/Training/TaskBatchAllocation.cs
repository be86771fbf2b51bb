namespace Mpt.Training;

/// <summary>How many examples of each task one batch takes.</summary>
/// <param name="TasksDrawn">K, the number of task draws for this batch (with replacement, distinct tasks can be fewer).</param>
/// <param name="ExamplesPerTask">Per task id (length = number of tasks): examples of that task in the batch; sums to the batch size.</param>
public sealed record TaskBatchAllocation(int TasksDrawn, IReadOnlyList<int> ExamplesPerTask);
