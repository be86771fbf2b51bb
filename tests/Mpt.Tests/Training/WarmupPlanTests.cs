using Mpt.Cli.Presets;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Training;

/// <summary>The warm-up a run uses: the configured steps capped at a fraction of the run (<see cref="WarmupPlan"/>).</summary>
public sealed class WarmupPlanTests
{
    [Theory]
    [InlineData(20, 500, 2)]         // configs/adapt-few-shot.json: k = 32, 20 epochs, batch 32
    [InlineData(10, 500, 1)]         // k = 16
    [InlineData(3, 500, 1)]          // k = 4: at least one step
    [InlineData(2, 500, 1)]
    [InlineData(1, 500, 0)]          // a one-step run cannot warm up and still reach the nominal rate
    [InlineData(1557, 500, 155)]     // RTE, full data
    [InlineData(5000, 500, 500)]     // from 5000 steps on ATTEMPT's 500 are kept
    [InlineData(100_000, 500, 500)]
    [InlineData(20, 1, 1)]           // a short configured warm-up is not lengthened
    [InlineData(20, 0, 0)]           // and no warm-up stays none
    public void Should_Cap_The_Warm_Up_At_A_Tenth_Of_The_Run(long total, int warmup, long want)
    {
        var plan = new TrainingLoopOptions { WarmupSteps = warmup }.Warmup(total);

        Assert.Equal(want, plan.EffectiveWarmupSteps);
        Assert.Equal(want < warmup, plan.Capped);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(20)]
    [InlineData(60)]
    [InlineData(499)]
    [InlineData(4999)]
    public void Every_Short_Run_Should_Reach_Its_Nominal_Rate_With_The_Defaults(long total)
    {
        var plan = new TrainingLoopOptions().Warmup(total);

        double peak = Enumerable.Range(0, (int)total).Max(s => plan.Multiplier(s));

        Assert.Equal(1.0, peak, 12);
        Assert.InRange(plan.PeakStep, 1, total);
        Assert.Equal(1.0, plan.Multiplier(plan.PeakStep - 1), 12); // the step the pipeline logs as the end of the warm-up
    }

    [Fact]
    public void Without_A_Cap_The_Configured_Warm_Up_Is_Used_And_One_Not_Shorter_Than_The_Run_Refused()
    {
        var uncapped = new TrainingLoopOptions { WarmupSteps = 500, MaxWarmupFraction = null };

        Assert.Equal(500, uncapped.Warmup(1000).EffectiveWarmupSteps);
        var e = Assert.Throws<ArgumentException>(() => uncapped.Warmup(500));
        Assert.Contains("warmup_steps", e.Message);
        Assert.Contains("max_warmup_fraction", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingLoopOptions { MaxWarmupFraction = 0 }.Warmup(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingLoopOptions { MaxWarmupFraction = 1.5 }.Warmup(10));
    }

    [Fact]
    public void Should_Say_Which_Schedule_Runs()
    {
        Assert.Equal("linear warm-up 2 of 20 steps (warmup_steps 500 capped at 10 % of the run), then linear decay to 0",
            new TrainingLoopOptions().Warmup(20).Describe());
        Assert.Equal("linear warm-up 500 of 10000 steps, then linear decay to 0", new TrainingLoopOptions().Warmup(10_000).Describe());
        Assert.Equal("no warm-up: linear decay to 0 over 20 steps", new TrainingLoopOptions { WarmupSteps = 0 }.Warmup(20).Describe());
    }

    [Fact]
    public void The_Quickstart_Presets_Should_Keep_Their_Tenth_Of_The_Run()
    {
        // The quickstart warmed up over max(1, steps / 10) with its own formula; its presets take the pipeline's default
        // plan, which gives the same warm-up for every stage of both (so its published numbers do not move for it).
        foreach (string name in new[] { RunPresets.Quickstart, RunPresets.QuickstartFull })
        {
            var c = RunPresets.Load(name);
            foreach (var loop in new[] { c.Teachers.Loop, c.Distill.Loop, c.Adapt.Loop })
            {
                long steps = loop.MaxSteps!.Value;
                Assert.Equal(Math.Max(1, steps / 10), loop.ToOptions(1).Warmup(steps).EffectiveWarmupSteps);
            }
        }
    }
}
