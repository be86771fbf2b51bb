using System.Text;
using Mpt.Model;

namespace Mpt.Pipeline;

/// <summary>
/// The seed of one training run of the pipeline, derived from its stage's seed (<c>loop.seed</c>), the stage name and
/// the task, so that runs which should be independent do not share random numbers: with one seed for every teacher, all
/// teachers and the distilled P* started from the same vocabulary rows (and the same data order and dropout), which
/// couples the teachers, makes them look alike in the task-similarity plots and starts P* at a teacher.
/// </summary>
/// <remarks>
/// seed = Mix(stageSeed ⊕ Mix(FNV-1a-64(UTF-8 of "stage/task"))) &gt;&gt; 1, with Mix SplitMix64's finaliser (a bijection on
/// 64 bits); the shift keeps the seed within a signed 64-bit integer, as metrics.jsonl records it. It depends on the
/// names only, not on a task's position in <c>sources</c>, so reordering or adding sources leaves each task's seed as it
/// is. Target runs are not derived: each seed of <c>adapt.seeds</c> names a repetition and draws the same few-shot sample
/// for every method, so methods are compared on the same examples.
/// </remarks>
public static class SeedDerivation
{
    /// <summary>The derived seed of the run of <paramref name="task"/> in <paramref name="stage"/>.</summary>
    /// <param name="stageSeed">The stage's configured seed (<c>loop.seed</c>).</param>
    /// <param name="stage">Stage name (<see cref="Reports.StageNames"/>).</param>
    /// <param name="task">Task name (<see cref="RunFolderRecords.AllTasks"/> for a run over every source).</param>
    public static ulong Derive(ulong stageSeed, string stage, string task)
    {
        ulong hash = 0xCBF29CE484222325UL; // FNV-1a 64-bit offset basis
        foreach (byte b in Encoding.UTF8.GetBytes($"{stage}/{task}"))
            hash = unchecked((hash ^ b) * 0x100000001B3UL); // FNV-1a 64-bit prime
        return ParallelChunkDropout.Mix(stageSeed ^ ParallelChunkDropout.Mix(hash)) >> 1;
    }
}
