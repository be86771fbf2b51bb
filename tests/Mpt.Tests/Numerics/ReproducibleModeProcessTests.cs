using System.Diagnostics;
using System.Text.Json;
using Mpt.Cli;
using Mpt.Numerics;
using Xunit;

namespace Mpt.Tests.Numerics;

/// <summary>
/// The reproducible mode end to end, on one machine: <c>mpt teachers</c> runs as a child process (the variables only
/// act when set before libtorch loads) on a T5 wide enough for the vectorised kernels, with libtorch's dispatch level and
/// MKL's code path set differently in the starting environment. In the default mode the trained prompts differ bitwise
/// between ATen's AVX2 and AVX-512 dispatch and between oneDNN's; with <c>--reproducible</c> the CLI re-executes itself
/// into the pinned environment and the prompts are identical from either start.
/// </summary>
public sealed class ReproducibleModeProcessTests
{
    private sealed record Child(int ExitCode, string Output, string Error, string RunDir)
    {
        public byte[] Prompt() => File.ReadAllBytes(WideT5Workspace.TeacherPrompt(RunDir));

        public JsonElement Numerics() => JsonDocument.Parse(File.ReadAllText(Path.Combine(RunDir, "results.json"))).RootElement.GetProperty("numerics");
    }

    private static ProcessStartInfo Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mpt.Cli.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        // Start from a clean slate whatever the test runner's environment holds, then set what the case asks for.
        foreach (var v in ReproducibleEnvironment.Variables) start.Environment.Remove(v.Name);
        start.Environment.Remove(ReproducibleRelaunch.MarkerVariable);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return start;
    }

    private static Child Teachers(WideT5Workspace ws, string name, IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        string runDir = Path.Combine(ws.Root, name);
        using var process = Process.Start(Start(environment, ["teachers", "--config", ws.ConfigPath, "--run-dir", runDir, "--threads", "1", "--quiet", .. extra]))!;
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var child = new Child(process.ExitCode, output, error.Result, runDir);
        Assert.True(child.ExitCode == 0, $"{name}: exit {child.ExitCode}\n{child.Output}\n{child.Error}");
        return child;
    }

    [Avx512Fact]
    public void Default_Mode_Differs_Between_Dispatch_Levels_Reproducible_Mode_Does_Not()
    {
        using var ws = new WideT5Workspace();

        var avx2 = Teachers(ws, "default-avx2", new Dictionary<string, string> { ["ATEN_CPU_CAPABILITY"] = "avx2" });
        var avx512 = Teachers(ws, "default-avx512", new Dictionary<string, string> { ["ATEN_CPU_CAPABILITY"] = "avx512" });
        Assert.NotEqual(avx2.Prompt(), avx512.Prompt());
        // ATen's level does not reach oneDNN (libtorch's exact GELU on the CPU): its instruction set changes the bits too.
        var oneDnnAvx2 = Teachers(ws, "default-avx2-onednn-avx2", new Dictionary<string, string> { ["ATEN_CPU_CAPABILITY"] = "avx2", ["ONEDNN_MAX_CPU_ISA"] = "AVX2" });
        Assert.NotEqual(avx2.Prompt(), oneDnnAvx2.Prompt());
        Assert.Equal("default", avx512.Numerics().GetProperty("mode").GetString());

        // Starting points that each change the numbers in the default mode: AVX-512 dispatch with MKL's SSE2 path
        // (COMPATIBLE), and a clean environment (this CPU's own choice).
        var fromAvx512 = Teachers(ws, "repro-from-avx512", new Dictionary<string, string> { ["ATEN_CPU_CAPABILITY"] = "avx512", ["MKL_CBWR"] = "COMPATIBLE" }, "--reproducible");
        var fromClean = Teachers(ws, "repro-from-clean", new Dictionary<string, string>(), "--reproducible");
        Assert.Equal(fromAvx512.Prompt(), fromClean.Prompt());

        foreach (var run in new[] { fromAvx512, fromClean })
        {
            string first = run.Output.Split('\n')[0];
            Assert.StartsWith("numerics: reproducible (MKL_CBWR=AVX2, MKL_DYNAMIC=FALSE, OMP_DYNAMIC=FALSE, ATEN_CPU_CAPABILITY=avx2, ONEDNN_MAX_CPU_ISA=AVX2), 1 thread", first);
            var numerics = run.Numerics();
            Assert.Equal("reproducible", numerics.GetProperty("mode").GetString());
            Assert.Equal(1, numerics.GetProperty("threads").GetInt32());
            Assert.Equal("avx2", numerics.GetProperty("environment").GetProperty("ATEN_CPU_CAPABILITY").GetString());
        }
    }
}
