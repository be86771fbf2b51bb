namespace Mpt.Pipeline;

/// <summary>What <see cref="PipelineRunner.RunShard"/> did.</summary>
/// <param name="Shard">The shard that ran.</param>
/// <param name="Items">The stage's work items this shard owns (<see cref="WorkItems"/>), all done when this is returned.</param>
/// <param name="TotalItems">Work items of the stage over all shards.</param>
/// <param name="Remaining">Items of the stage (of any shard) that are not done yet: empty when the gather can run.</param>
public sealed record ShardOutcome(Shard Shard, IReadOnlyList<string> Items, int TotalItems, IReadOnlyList<string> Remaining);
