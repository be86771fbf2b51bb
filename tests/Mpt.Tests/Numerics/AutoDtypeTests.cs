using System.Text.Json;
using Mpt.Numerics;
using Mpt.Pipeline;
using Xunit;

namespace Mpt.Tests.Numerics;

/// <summary>
/// <c>model.dtype auto</c> on injected rates (no timing): the rule and its margin, the order of resolution (run folder,
/// reproducible mode, cache, measurement) and the cache's hit, miss, corrupt, foreign and forced cases.
/// </summary>
public sealed class AutoDtypeTests : IDisposable
{
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "mpt-autodtype-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_cache)) Directory.Delete(_cache, recursive: true);
    }

    private static DtypeProbeKey Key(string cpu = "Test CPU", int threads = 2) => new(cpu, "avx avx2 avx512_bf16 avx512f fma", "libtorch test",
        threads, "cpu", new Dictionary<string, string?> { ["MKL_CBWR"] = null }, [2048, 512, 2048]);

    private static TimingSummary Rate(double median) => new(median, median * 0.95, median * 1.05, median * 0.5, median * 1.1, 11);

    /// <summary>A resolver whose measurement returns the given rates and counts its calls.</summary>
    private sealed class Fake(string cache, double float32, double bfloat16, Dictionary<string, string?>? environment = null)
    {
        public int Measured { get; private set; }
        public List<string> Log { get; } = [];

        public AutoDtype Resolver => new(cache, name => environment?.GetValueOrDefault(name), _ =>
        {
            Measured++;
            return (Rate(float32), Rate(bfloat16));
        });

        public DtypeChoice Resolve(DtypeProbeKey? key = null, string? recorded = null, bool reproducible = false) =>
            Resolver.Resolve(recorded, reproducible, () => key ?? Key(), Log.Add);
    }

    [Theory]
    [InlineData(100, 115, "bfloat16")]   // exactly the margin
    [InlineData(100, 387, "bfloat16")]   // AVX512-BF16: the EPYC here
    [InlineData(100, 114.9, "float32")]  // faster, but not clearly
    [InlineData(100, 100, "float32")]
    [InlineData(160, 2, "float32")]      // no bfloat16 hardware: emulated, far slower
    public void The_Rule_Should_Choose_Bfloat16_Only_From_1_15_Times_The_Float32_Rate(double float32, double bfloat16, string expected)
    {
        var (dtype, why) = AutoDtype.Rule(float32, bfloat16);

        Assert.Equal(expected, dtype);
        Assert.Contains("GFLOP/s", why);
        Assert.Contains("1.15×", why);
    }

    [Fact]
    public void The_Rule_Should_Refuse_A_Rate_That_Is_Not_Positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AutoDtype.Rule(0, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => AutoDtype.Rule(100, double.NaN));
    }

    [Fact]
    public void A_Miss_Should_Measure_Once_And_Cache_The_Rates_For_The_Next_Run()
    {
        var first = new Fake(_cache, 100, 300);
        var measured = first.Resolve();

        Assert.Equal((AutoDtype.BFloat16, DtypeChoice.Measured, 1), (measured.Resolved, measured.Source, first.Measured));
        Assert.Equal(300, measured.BFloat16GflopPerS!.Median);
        Assert.Contains(first.Log, l => l.Contains("no cached rates"));
        Assert.True(File.Exists(new AutoDtypeCache(_cache).PathOf(Key())));

        // The next run on this machine: no measurement; the rates (and so the choice) come from the cache, whatever the
        // measurement would say now.
        var second = new Fake(_cache, 300, 100);
        var cached = second.Resolve();
        Assert.Equal((AutoDtype.BFloat16, DtypeChoice.Cached, 0), (cached.Resolved, cached.Source, second.Measured));
        Assert.Equal(measured.Float32GflopPerS, cached.Float32GflopPerS);
        Assert.Contains("cached in", cached.Reason);
    }

    [Fact]
    public void Another_Thread_Count_Or_Cpu_Should_Be_Another_Entry()
    {
        new Fake(_cache, 100, 300).Resolve(Key(threads: 2));
        var other = new Fake(_cache, 100, 100);

        Assert.Equal(DtypeChoice.Measured, other.Resolve(Key(threads: 1)).Source);
        Assert.Equal(DtypeChoice.Measured, other.Resolve(Key(cpu: "Other CPU")).Source);
        Assert.Equal(2, other.Measured);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("")]
    [InlineData("""{"format_version": 1}""")]
    public void A_Corrupt_Entry_Should_Be_Measured_Again_And_Replaced(string content)
    {
        string path = new AutoDtypeCache(_cache).PathOf(Key());
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        var fake = new Fake(_cache, 100, 50);

        var choice = fake.Resolve();

        Assert.Equal((AutoDtype.Float32, DtypeChoice.Measured, 1), (choice.Resolved, choice.Source, fake.Measured));
        Assert.Contains(fake.Log, l => l.Contains(path) && (l.Contains("corrupt") || l.Contains("empty")));
        Assert.Equal(DtypeChoice.Cached, new Fake(_cache, 1, 1).Resolve().Source); // rewritten, valid
    }

    [Fact]
    public void Implausible_Rates_Or_Another_Format_Version_Should_Be_Measured_Again()
    {
        var cache = new AutoDtypeCache(_cache);
        cache.Write(Key(), Rate(100), new TimingSummary(-1, -1, -1, -1, -1, 3), DateTimeOffset.UtcNow);
        var fake = new Fake(_cache, 100, 300);
        Assert.Equal(DtypeChoice.Measured, fake.Resolve().Source);
        Assert.Contains(fake.Log, l => l.Contains("not positive"));

        string path = cache.PathOf(Key());
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"format_version\": 1", "\"format_version\": 99", StringComparison.Ordinal));
        var again = new Fake(_cache, 100, 300);
        Assert.Equal(DtypeChoice.Measured, again.Resolve().Source);
        Assert.Contains(again.Log, l => l.Contains("format_version 99"));
    }

    [Fact]
    public void An_Entry_Made_For_Another_Machine_Should_Not_Be_Trusted()
    {
        // A valid entry of another machine, copied to this machine's file name (a shared home, a copied cache folder).
        var cache = new AutoDtypeCache(_cache);
        cache.Write(Key(cpu: "Some Xeon"), Rate(100), Rate(400), DateTimeOffset.UtcNow);
        Directory.CreateDirectory(Path.GetDirectoryName(cache.PathOf(Key()))!);
        File.Copy(cache.PathOf(Key(cpu: "Some Xeon")), cache.PathOf(Key()));
        var fake = new Fake(_cache, 100, 50);

        var choice = fake.Resolve();

        Assert.Equal((AutoDtype.Float32, DtypeChoice.Measured), (choice.Resolved, choice.Source));
        Assert.Contains(fake.Log, l => l.Contains("another machine"));
    }

    [Fact]
    public void The_Remeasure_Variable_Should_Bypass_A_Valid_Entry()
    {
        new Fake(_cache, 100, 300).Resolve();
        var forced = new Fake(_cache, 100, 50, new Dictionary<string, string?> { [AutoDtype.RemeasureVariable] = "1" });

        var choice = forced.Resolve();

        Assert.Equal((AutoDtype.Float32, DtypeChoice.Measured, 1), (choice.Resolved, choice.Source, forced.Measured));
        Assert.Contains(forced.Log, l => l.Contains(AutoDtype.RemeasureVariable));
        Assert.Equal(AutoDtype.Float32, new Fake(_cache, 1, 1).Resolve().Resolved); // the new rates replaced the entry
    }

    [Fact]
    public void A_Resumed_Run_Should_Keep_Its_Recorded_Dtype_And_The_Reproducible_Mode_Should_Take_Float32_Without_Measuring()
    {
        var fake = new Fake(_cache, 100, 50);
        Func<DtypeProbeKey> noKey = () => throw new InvalidOperationException("the key (and a measurement) is not needed here");

        var resumed = fake.Resolver.Resolve("bfloat16", reproducible: true, noKey);
        var reproducible = fake.Resolver.Resolve(null, reproducible: true, noKey);

        Assert.Equal((AutoDtype.BFloat16, DtypeChoice.RunFolder), (resumed.Resolved, resumed.Source));
        Assert.Equal((AutoDtype.Float32, DtypeChoice.ReproducibleMode), (reproducible.Resolved, reproducible.Source));
        Assert.Contains("differ between machines", reproducible.Reason);
        Assert.Equal(0, fake.Measured);
    }

    [Fact]
    public void The_Key_Should_Keep_Only_Vector_Flags_Sorted()
    {
        Assert.Equal("amx_bf16 avx avx2 avx512_bf16 avx512f f16c fma sse4_2",
            DtypeProbeKey.VectorFlags("fpu avx512f sse4_2 avx2 fma avx avx512_bf16 amx_bf16 f16c vme avx2"));
        var key = DtypeProbeKey.OfThisProcess("cpu", 2, 8, 16, 32, _ => null);
        Assert.Equal([8L, 16L, 32L], key.Gemm);
        Assert.False(string.IsNullOrWhiteSpace(key.Cpu));
        Assert.Contains("libtorch", key.Libtorch);
        Assert.Equal(key.Digest(), DtypeProbeKey.OfThisProcess("cpu", 2, 8, 16, 32, _ => null).Digest());
        Assert.NotEqual(key.Digest(), DtypeProbeKey.OfThisProcess("cpu", 2, 8, 16, 32, _ => "AVX2").Digest());
    }

    [Theory]
    [InlineData("auto", null)]
    [InlineData("bfloat16", null)]
    [InlineData("float16", "model.dtype must be one of float32, bfloat16, auto, got 'float16'.")]
    public void Model_Dtype_Should_Accept_Auto_And_Refuse_Float16_Naming_The_Key(string dtype, string? error)
    {
        var config = new ModelConfig { Path = "models/t5", Dtype = dtype };

        var e = Record.Exception(() => config.Validate());

        Assert.Equal(error, e?.Message);
        Assert.Contains("resolved when a pipeline run starts", Assert.Throws<ConfigException>(() => DeviceSelection.DType("auto")).Message);
    }

    [Fact]
    public void The_Stage_Verbs_Should_Accept_Dtype_Auto_And_Refuse_Float16()
    {
        string runDir = Path.Combine(_cache, "run");
        var auto = Cli.CliRunner.Run("teachers", "--dtype", "auto", "--run-dir", runDir);
        var half = Cli.CliRunner.Run("teachers", "--dtype", "float16", "--run-dir", runDir);

        // auto passes the parser and the config check; the run stops at the missing model, not at the dtype.
        Assert.NotEqual(0, auto.ExitCode);
        Assert.Contains("model.path", auto.Error);
        Assert.DoesNotContain("dtype", auto.Error);
        Assert.NotEqual(0, half.ExitCode);
        Assert.Contains("float16", half.Error);
    }

    [Fact]
    public void The_Cache_Entry_Should_Record_Its_Key_And_Both_Rates()
    {
        var cache = new AutoDtypeCache(_cache);
        cache.Write(Key(), Rate(100), Rate(300), DateTimeOffset.UnixEpoch);

        using var json = JsonDocument.Parse(File.ReadAllText(cache.PathOf(Key())));
        var root = json.RootElement;
        Assert.Equal(AutoDtypeCache.FormatVersion, root.GetProperty("format_version").GetInt32());
        Assert.Equal("Test CPU", root.GetProperty("key").GetProperty("cpu").GetString());
        Assert.Equal(300, root.GetProperty("bfloat16_gflop_per_s").GetProperty("median").GetDouble());
        Assert.StartsWith(Path.Combine(_cache, AutoDtypeCache.SubFolder), cache.PathOf(Key()), StringComparison.Ordinal);
    }
}
