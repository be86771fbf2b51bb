using System.Text.Json;
using Mpt.Benchmarks;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Benchmarks;

/// <summary>Runs <c>mpt bench</c> in-process on the tiny shape and parses the one JSON line it prints.</summary>
internal static class TinyBench
{
    /// <summary>A tiny run: 1 warm-up and 2 measured steps at one thread (the test assembly's thread count).</summary>
    public static string[] Args(string bench, params string[] extra) =>
        ["bench", bench, "--shape", BenchmarkShapes.Tiny, "--batch", "2", "--seq", "6", "--target", "3", "--prompt", "4",
         "--steps", "2", "--warmup", "1", "--threads", "1", .. extra];

    /// <summary>Runs the CLI with <paramref name="args"/>; asserts success and exactly one line on stdout, parsed as JSON.</summary>
    public static JsonElement RunJson(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        string[] lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines); // exactly one JSON line, nothing else on stdout
        return JsonDocument.Parse(lines[0]).RootElement.Clone();
    }
}
