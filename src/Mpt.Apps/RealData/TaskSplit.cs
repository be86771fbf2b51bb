namespace Mpt.RealData;

/// <summary>One split of a built task.</summary>
/// <param name="Name"><c>train</c>, <c>validation</c> or <c>test</c> (also the file name stem).</param>
/// <param name="Examples">The examples, in a deterministic order.</param>
public sealed record TaskSplit(string Name, IReadOnlyList<TaskExample> Examples);
