using Mpt.Reports;

namespace Mpt.Pipeline;

/// <summary>
/// The step log of items a shard trains. Concurrent shards on one run folder must not append to one
/// <c>metrics.jsonl</c> (<see cref="Serialization.JsonLinesAppend"/> has one writer per file: it cuts an unterminated last
/// line, which another process may be writing), so a shard logs each item into the item's own folder, where the item's
/// lock (<see cref="Runs.RunLock"/>) makes it the only writer. A full invocation (a gather, or a resume without
/// <c>--shard</c>) merges the logs of finished items into the run's <c>metrics.jsonl</c>, which the report reads.
/// </summary>
public static class ItemMetrics
{
    /// <summary>The log of the item in <paramref name="itemFolder"/>.</summary>
    public static string PathIn(string itemFolder) => Path.Combine(itemFolder, MetricsLog.FileName);

    /// <summary>
    /// Appends the logs of the finished items of <paramref name="runDir"/> to its <c>metrics.jsonl</c> in item order and
    /// deletes them. Idempotent: a record already in the run's log is not appended again, so a merge killed between an
    /// append and its delete does not duplicate steps when it runs again. Needs the run folder's lock; an unfinished
    /// item's log is left for a later merge (its shard may still be writing it). Returns the number of logs merged.
    /// </summary>
    public static int MergeInto(string runDir)
    {
        string root = Path.Combine(runDir, MetricsLog.FileName);
        var logs = new[] { PipelineRunner.TeachersDir, PipelineRunner.DistillDir, PipelineRunner.AdaptDir }
            .Select(stage => Path.Combine(runDir, stage)).Where(Directory.Exists)
            .SelectMany(stage => Directory.EnumerateFiles(stage, MetricsLog.FileName, SearchOption.AllDirectories))
            .Where(log => PipelineRunner.IsFinished(Path.GetDirectoryName(log)!))
            .Order(StringComparer.Ordinal).ToList();
        if (logs.Count == 0) return 0;
        var logged = File.Exists(root) ? MetricsLog.Read(root).Select(MetricsLog.Serialize).ToHashSet(StringComparer.Ordinal) : [];
        foreach (string log in logs)
        {
            var records = MetricsLog.Read(log).Where(r => logged.Add(MetricsLog.Serialize(r))).ToList();
            if (records.Count > 0) MetricsLog.Append(root, records);
            File.Delete(log);
        }
        return logs.Count;
    }
}
