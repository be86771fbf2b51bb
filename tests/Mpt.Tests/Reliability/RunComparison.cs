using System.Text.Json.Nodes;
using Xunit;

namespace Mpt.Tests.Reliability;

/// <summary>Whether a run folder that was interrupted (killed, or stopped by an I/O fault) and resumed equals an uninterrupted one.</summary>
public static class RunComparison
{
    private static readonly string[] ComparedNames =
        ["config.json", "pipeline_settings.json", "test_results.json", "test_predictions.json", "adapter_config.json", "mpt_model.json", "trainer_state.json"];

    /// <summary>
    /// The finished folders agree: results.json without wall-clock fields, and every tensor and record file byte for byte.
    /// Left out: wall_clock.json, result.json and metrics.jsonl (timings; a resumed run logs the steps after its last
    /// checkpoint again), report/ (renders the timings), run.lock (a PID).
    /// </summary>
    public static void AssertSameRun(string expected, string actual)
    {
        Assert.Equal(WithoutWallClock(expected), WithoutWallClock(actual));
        var want = ComparedFiles(expected);
        var got = ComparedFiles(actual);
        Assert.Equal(want, got); // the same set of files
        foreach (string file in want)
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))),
                $"{Path.Combine(actual, file)} differs from the uninterrupted run's");
        var leftovers = Directory.EnumerateFileSystemEntries(actual, "*.tmp", SearchOption.AllDirectories).ToList();
        Assert.True(leftovers.Count == 0, $"temporary files left: {string.Join(", ", leftovers)}");
    }

    private static List<string> ComparedFiles(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("report/", StringComparison.Ordinal))
            .Where(f => f.EndsWith(".safetensors", StringComparison.Ordinal) || ComparedNames.Contains(Path.GetFileName(f)))
            .Order(StringComparer.Ordinal).ToList();

    private static string WithoutWallClock(string root)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "results.json")))!;
        Strip(json);
        return json.ToJsonString();

        static void Strip(JsonNode? node)
        {
            if (node is JsonObject o)
            {
                o.Remove("wall_clock_s");
                foreach (var (_, child) in o.ToList()) Strip(child);
            }
            else if (node is JsonArray a) foreach (var child in a) Strip(child);
        }
    }
}
