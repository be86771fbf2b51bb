using System.Collections;
using System.CommandLine;
using Mpt.Cli;
using Mpt.Cli.Commands;
using Mpt.Numerics;
using Mpt.Reports;
using Xunit;

namespace Mpt.Tests.Numerics;

/// <summary>
/// The decision logic of the reproducible mode, without starting processes: which variables it pins, when the CLI
/// re-executes itself, the loop guard, how the flags resolve, and the <c>numerics</c> record of results.json.
/// </summary>
public sealed class ReproducibleRelaunchTests
{
    private static readonly Dictionary<string, string> Pinned = new()
    {
        ["MKL_CBWR"] = "AVX2", ["MKL_DYNAMIC"] = "FALSE", ["OMP_DYNAMIC"] = "FALSE",
        ["ATEN_CPU_CAPABILITY"] = "avx2", ["ONEDNN_MAX_CPU_ISA"] = "AVX2",
    };

    private static Func<string, string?> Env(IReadOnlyDictionary<string, string> values) => name => values.GetValueOrDefault(name);

    [Fact]
    public void The_Mode_Pins_MKL_Cnr_ATen_And_OneDnn_Dispatch_And_Dynamic_Threads()
    {
        Assert.Equal(Pinned.OrderBy(kv => kv.Key), ReproducibleEnvironment.Variables.Select(v => new KeyValuePair<string, string>(v.Name, v.Value)).OrderBy(kv => kv.Key));
        Assert.True(ReproducibleEnvironment.IsActive(Env(Pinned)));
        Assert.False(ReproducibleEnvironment.IsActive(Env(new Dictionary<string, string>())));
        // Values are compared exactly: ATen only knows lower-case "avx2".
        Assert.False(ReproducibleEnvironment.IsActive(Env(new Dictionary<string, string>(Pinned) { ["ATEN_CPU_CAPABILITY"] = "AVX2" })));
        Assert.Equal("MKL_CBWR=AVX2 MKL_DYNAMIC=FALSE OMP_DYNAMIC=FALSE ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2", ReproducibleEnvironment.AsShellAssignments());
    }

    [Fact]
    public void Mode_Off_Or_Environment_In_Place_Runs_Here()
    {
        Assert.Equal(RelaunchAction.RunHere, ReproducibleRelaunch.Decide(false, Env(new Dictionary<string, string>())).Action);
        Assert.Equal(RelaunchAction.RunHere, ReproducibleRelaunch.Decide(true, Env(Pinned)).Action);
        // The marker alone changes nothing when the environment is right (a nested mpt inherits both).
        Assert.Equal(RelaunchAction.RunHere, ReproducibleRelaunch.Decide(true, Env(new Dictionary<string, string>(Pinned) { [ReproducibleRelaunch.MarkerVariable] = "1" })).Action);
    }

    [Fact]
    public void Missing_Or_Wrong_Variables_Relaunch_With_All_Of_Them_And_The_Marker()
    {
        var start = new Dictionary<string, string>(Pinned) { ["ATEN_CPU_CAPABILITY"] = "avx512" };
        start.Remove("MKL_CBWR");
        var decision = ReproducibleRelaunch.Decide(true, Env(start));
        Assert.Equal(RelaunchAction.Relaunch, decision.Action);
        Assert.Equal(["MKL_CBWR", "ATEN_CPU_CAPABILITY"], decision.Differences.Select(d => d.Setting.Name));
        Assert.Equal([null, "avx512"], decision.Differences.Select(d => d.Found));
        var set = decision.Set.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("1", set[ReproducibleRelaunch.MarkerVariable]);
        foreach (var (name, value) in Pinned) Assert.Equal(value, set[name]);
        Assert.True(ReproducibleEnvironment.IsActive(name => set.GetValueOrDefault(name)));
    }

    [Fact]
    public void A_Relaunched_Process_Without_The_Environment_Stops_Instead_Of_Looping()
    {
        var decision = ReproducibleRelaunch.Decide(true, Env(new Dictionary<string, string> { [ReproducibleRelaunch.MarkerVariable] = "1" }));
        Assert.Equal(RelaunchAction.LoopDetected, decision.Action);
        Assert.Empty(decision.Set);
        Assert.Equal(Pinned.Count, decision.Differences.Count);
    }

    [Fact]
    public void Relaunch_Environment_Keeps_The_Callers_Variables_And_Overrides_The_Pinned_Ones()
    {
        var current = new Hashtable { ["PATH"] = "/usr/bin", ["ATEN_CPU_CAPABILITY"] = "avx512", ["EMPTY"] = "" };
        var env = ReproducibleRelaunch.Environment(current, [new("ATEN_CPU_CAPABILITY", "avx2"), new("MKL_CBWR", "AVX2")]);
        Assert.Equal(["ATEN_CPU_CAPABILITY=avx2", "EMPTY=", "MKL_CBWR=AVX2", "PATH=/usr/bin"], env);
    }

    [Fact]
    public void The_Test_Host_Is_Not_Replaced()
    {
        // Only the mpt executable may replace its process; MptCli.Run inside another program must not.
        Assert.False(ReproducibleRelaunch.CanReplaceProcess());
    }

    [Fact]
    public void Flags_Override_The_Config_Which_Overrides_The_Verb_Default()
    {
        var options = NumericsOptions.Create(defaultOn: true);
        var command = new RootCommand();
        options.AddTo(command);
        bool Resolve(string line, bool? config, bool verbDefault) => options.Resolve(command.Parse(line), config, verbDefault);

        Assert.True(Resolve("", null, verbDefault: true));
        Assert.False(Resolve("", null, verbDefault: false));
        Assert.True(Resolve("", true, verbDefault: false));
        Assert.False(Resolve("", false, verbDefault: true));
        Assert.True(Resolve("--reproducible", false, verbDefault: false));
        Assert.False(Resolve("--no-reproducible", true, verbDefault: true));
        Assert.Throws<ArgumentException>(() => Resolve("--reproducible --no-reproducible", null, verbDefault: true));
    }

    [Fact]
    public void Numerics_Record_Names_The_Mode_From_The_Environment_Round_Trips_In_Results_Json_And_Shows_In_The_Report()
    {
        var reproducible = NumericsSummary.Of(Env(Pinned), threads: 2);
        Assert.Equal(NumericsSummary.Reproducible, reproducible.Mode);
        Assert.Equal("reproducible (MKL_CBWR=AVX2, MKL_DYNAMIC=FALSE, OMP_DYNAMIC=FALSE, ATEN_CPU_CAPABILITY=avx2, ONEDNN_MAX_CPU_ISA=AVX2), 2 threads",
            reproducible.Describe());
        var partial = NumericsSummary.Of(Env(new Dictionary<string, string> { ["MKL_CBWR"] = "AVX2" }), threads: 1);
        Assert.Equal(NumericsSummary.Default, partial.Mode);
        Assert.Equal("default: kernels chosen for this CPU (MKL_CBWR=AVX2), 1 thread", partial.Describe());
        Assert.Null(partial.Environment["ATEN_CPU_CAPABILITY"]);

        string dir = Directory.CreateTempSubdirectory("mpt-numerics-").FullName;
        try
        {
            string path = Path.Combine(dir, RunResults.FileName);
            new RunResults(Numerics: partial).Write(path);
            string json = File.ReadAllText(path);
            Assert.Contains("\"numerics\": {", json);
            Assert.Contains("\"ATEN_CPU_CAPABILITY\": null", json);
            var read = RunResults.Read(path).Numerics!;
            Assert.Equal(partial.Mode, read.Mode);
            Assert.Equal(partial.Threads, read.Threads);
            Assert.Equal(partial.Environment, read.Environment);

            new RunResults(Model: new ModelSummary("t5-tiny"), Numerics: reproducible).Write(path);
            string report = File.ReadAllText(RunReport.Write(dir).Markdown);
            Assert.Contains($"numerics: {reproducible.Describe()}", report);

            File.WriteAllText(path, json.Replace("\"mode\": \"default\"", "\"mode\": \"fast\""));
            var bad = Assert.Throws<InvalidDataException>(() => RunResults.Read(path));
            Assert.Contains("numerics", bad.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
