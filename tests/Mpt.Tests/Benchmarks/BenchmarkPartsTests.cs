using Mpt.Benchmarks;
using Mpt.Tests.Infrastructure;
using Xunit;

namespace Mpt.Tests.Benchmarks;

/// <summary>The small pieces the benchmarks are built from: statistics, phase timing, /proc readers, shapes.</summary>
public sealed class BenchmarkPartsTests
{
    [Fact]
    public void Should_Take_The_Middle_Value_Or_The_Mean_Of_The_Two_Middle_Values()
    {
        Assert.Equal(3.0, StepStatistics.Median([5.0, 1.0, 3.0]));
        Assert.Equal(2.5, StepStatistics.Median([4.0, 1.0, 2.0, 3.0]));
        Assert.Equal(new StepStatistics(2.5, 1.0, 4.0), StepStatistics.Of([4.0, 1.0, 2.0, 3.0]));
        Assert.Throws<ArgumentException>(() => StepStatistics.Of([]));
    }

    [Fact]
    public void Should_Add_Repeated_Phases_And_Sum_To_The_Total()
    {
        var timer = new PhaseTimer();
        timer.Mark("a");
        Thread.Sleep(2);
        timer.Mark("b");
        timer.Mark("a");

        Assert.Equal(["a", "b"], timer.Phases.Keys);
        Assert.Equal(timer.TotalMs, timer.Phases.Values.Sum(), 6);
        Assert.True(timer.Phases["b"] > 0);
    }

    [LinuxFact]
    public void Should_Read_Peak_Memory_And_Load_From_Proc_On_Linux()
    {
        // A running .NET process with libtorch loaded holds tens of MiB at least; the exact values vary.
        Assert.True(ProcessMemory.ResidentMiB() > 10);
        Assert.True(ProcessMemory.PeakResidentMiB() > 10);
        Assert.True(ProcessMemory.LoadAverage1Min() >= 0);
    }

    [Fact]
    public void Should_Know_The_Issue_Shapes_With_Their_Published_Dimensions()
    {
        var small = BenchmarkShapes.Get("t5-small");
        Assert.Equal((512, 2048, 6, 6, 8, 64, "relu", true, 32128),
            (small.DModel, small.DFf, small.NumLayers, small.NumDecoderLayers, small.NumHeads, small.DKv, small.DenseActFn, small.TieWordEmbeddings, small.VocabSize));
        var baseShape = BenchmarkShapes.Get("t5-base");
        Assert.Equal((768, 3072, 12, 12, 12, true), (baseShape.DModel, baseShape.DFf, baseShape.NumLayers, baseShape.NumDecoderLayers, baseShape.NumHeads, baseShape.TieWordEmbeddings));
        var v11 = BenchmarkShapes.Get("t5-v1_1-small");
        Assert.Equal((512, 1024, 8, 8, 6, true, "gelu_new", false), (v11.DModel, v11.DFf, v11.NumLayers, v11.NumDecoderLayers, v11.NumHeads, v11.IsGatedAct, v11.DenseActFn, v11.TieWordEmbeddings));
        // The scale-up shapes: parameter counts as the model cards state them (t5-large 738 M, t5-3b 2.85 B).
        var large = BenchmarkShapes.Get("t5-large");
        Assert.Equal((1024, 4096, 24, 24, 16, 64, "relu", true), (large.DModel, large.DFf, large.NumLayers, large.NumDecoderLayers, large.NumHeads, large.DKv, large.DenseActFn, large.TieWordEmbeddings));
        Assert.Equal(737.7e6, large.ParameterCount(), 0.1e6);
        var t5_3b = BenchmarkShapes.Get("t5-3b");
        Assert.Equal((1024, 16384, 24, 24, 32, 128, "relu", true), (t5_3b.DModel, t5_3b.DFf, t5_3b.NumLayers, t5_3b.NumDecoderLayers, t5_3b.NumHeads, t5_3b.DKv, t5_3b.DenseActFn, t5_3b.TieWordEmbeddings));
        Assert.Equal(2.8516e9, t5_3b.ParameterCount(), 0.0001e9);
        Assert.DoesNotContain(BenchmarkShapes.Tiny, BenchmarkShapes.Names);
        var e = Assert.Throws<ArgumentException>(() => BenchmarkShapes.Get("t5-11b"));
        Assert.Contains("t5-small, t5-base, t5-large, t5-3b, t5-v1_1-small", e.Message);
    }
}
