using Mpt.Pipeline;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// Every shipped config under configs/ reaches the nominal learning rate in every stage it configures, whatever the
/// run's length (ATTEMPT's fixed 500 warm-up steps made a few-shot run peak at a few percent of it).
/// </summary>
public sealed class ShippedConfigWarmupTests
{
    private static string ConfigsDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mpt.slnx"))) return Path.Combine(dir.FullName, "configs");
        throw new DirectoryNotFoundException("repository root (Mpt.slnx) not found above the test binaries.");
    }

    public static TheoryData<string> Configs()
    {
        var data = new TheoryData<string>();
        foreach (string f in Directory.GetFiles(ConfigsDir(), "*.json").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        return data;
    }

    // Run lengths from one step to past ATTEMPT's 5000-step threshold; the few-shot configs add their own.
    private static readonly long[] Lengths = [1, 2, 3, 5, 8, 10, 16, 20, 40, 60, 157, 500, 1557, 4999, 5000, 5001, 12_000];

    private static void AssertReachesNominal(string where, TrainingLoopOptions loop, IEnumerable<long> lengths)
    {
        foreach (long total in lengths)
        {
            var plan = loop.Warmup(total);
            double peak = 0;
            for (long s = 0; s < total; s++) peak = Math.Max(peak, plan.Multiplier(s));
            Assert.True(Math.Abs(peak - 1.0) < 1e-12, $"{where}: a run of {total} steps peaks at {peak:P1} of the nominal learning rate ({plan.Describe()}).");
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Every_Stage_Should_Reach_Its_Nominal_Learning_Rate(string file)
    {
        string path = Path.Combine(ConfigsDir(), file);
        var config = ConfigJson.Load(path);
        AssertReachesNominal($"{file} teachers", config.Teachers.Loop.ToOptions(TeachersConfig.DefaultEpochs), Lengths);
        AssertReachesNominal($"{file} distill", config.Distill.Loop.ToOptions(DistillConfig.DefaultEpochs), Lengths);
        var adapt = config.Adapt.Loop.ToOptions(AdaptConfig.DefaultEpochs);
        // A few-shot run: k examples (per class: at least k) for the configured epochs.
        long[] fewShot = config.Adapt.FewShot is int k ? [adapt.TotalSteps(k)] : [];
        AssertReachesNominal($"{file} adapt", adapt, Lengths.Concat(fewShot));
    }
}
