using System.Text.Json;
using Mpt.Pipeline;
using Mpt.Runs;
using Mpt.Training;
using Xunit;

namespace Mpt.Tests.Training.LengthGroupedBatches;

/// <summary>
/// Length-grouped training batches (HF Trainer's group_by_length): off is the plain shuffled order bit for bit; on, every
/// epoch still holds each example once, mega-batches of the same shuffle are sorted by length, the order is seeded and
/// resumes exactly, and batches pad less.
/// </summary>
public sealed class LengthGroupingTests
{
    private static List<IReadOnlyList<TrainingExample>> Take(IBatchSource source, int batches) =>
        Enumerable.Range(0, batches).Select(_ => source.Next()).ToList();

    private static List<int> Take(ShuffledExampleStream stream, int count) => Enumerable.Range(0, count).Select(_ => stream.Next()).ToList();

    private static void AssertSameBatches(IReadOnlyList<IReadOnlyList<TrainingExample>> want, IReadOnlyList<IReadOnlyList<TrainingExample>> got)
    {
        Assert.Equal(want.Count, got.Count);
        for (int b = 0; b < want.Count; b++)
        {
            Assert.Equal(want[b].Count, got[b].Count);
            for (int i = 0; i < want[b].Count; i++) Assert.Same(want[b][i], got[b][i]);
        }
    }

    [Fact]
    public void Should_Keep_The_Plain_Shuffled_Order_When_Off()
    {
        // Given: a mixed-length pool that is not a multiple of the batch size (batches straddle epochs)
        var pool = MixedLengthPool.Create(101, 2, 60, seed: 4);
        var plain = new ShuffledExampleStream(pool.Count, seed: 9);

        // When: the sources built by the trainers with the option off (default and explicit 0, any length cap)
        var fromOptions = ShuffledBatchSource.For(pool, new TrainingLoopOptions { BatchSize = 8, Seed = 9, MaxSourceLength = 16 });
        var explicitOff = new ShuffledBatchSource(pool, 8, 9, lengthGroupFactor: 0, maxSourceLength: 16);
        var before = new ShuffledBatchSource(pool, 8, 9);

        // Then: three epochs of batches equal the existing stream's order
        var expected = Enumerable.Range(0, 40).Select(_ => (IReadOnlyList<TrainingExample>)Enumerable.Range(0, 8).Select(_ => pool[plain.Next()]).ToList()).ToList();
        AssertSameBatches(expected, Take(before, 40));
        AssertSameBatches(expected, Take(fromOptions, 40));
        AssertSameBatches(expected, Take(explicitOff, 40));

        // And the task-sampled source of distillation is unchanged too
        List<TrainingExample>[] tasks = [MixedLengthPool.Create(30, 2, 40, 1, 0), MixedLengthPool.Create(20, 2, 40, 2, 1)];
        var sampler = new TaskSamplerOptions { BatchSize = 6 };
        AssertSameBatches(Take(new TaskSampledBatchSource(tasks, sampler, 3), 30), Take(new TaskSampledBatchSource(tasks, sampler, 3, 0, 16), 30));
    }

    [Fact]
    public void Should_Sort_Each_Mega_Batch_Of_The_Same_Shuffle_By_Length_Keeping_Ties_In_Shuffled_Order()
    {
        // Given: lengths with many ties, a pool that is not a multiple of the mega-batch
        var pool = MixedLengthPool.Create(203, 2, 9, seed: 5);
        var lengths = pool.Select(e => e.InputIds.Count).ToList();
        const int mega = 40;
        var plain = new ShuffledExampleStream(pool.Count, seed: 17);
        var grouped = new ShuffledExampleStream(pool.Count, seed: 17, grouping: new LengthGrouping(lengths, mega));

        for (int epoch = 0; epoch < 3; epoch++)
        {
            var shuffled = Take(plain, pool.Count);
            var order = Take(grouped, pool.Count);

            // Then: each epoch visits every example exactly once
            Assert.Equal(Enumerable.Range(0, pool.Count), order.Order());
            // and mega-batch k is mega-batch k of the plain shuffle, stably sorted longest first
            for (int start = 0; start < pool.Count; start += mega)
            {
                var chunk = shuffled.Skip(start).Take(mega).ToList();
                var want = chunk.OrderByDescending(i => lengths[i]).ToList(); // LINQ's sort is stable
                Assert.Equal(want, order.Skip(start).Take(mega));
            }
        }
        Assert.Equal(2, grouped.Epoch);
    }

    [Fact]
    public void Should_Visit_Every_Example_Once_Per_Epoch_With_Grouped_Batches()
    {
        // Given: 960 examples, batches of 16 (60 per epoch), factor 50 (HF's; capped to 960 / 64 = 15 batches)
        var pool = MixedLengthPool.Create(960, 3, 120, seed: 6);
        var source = new ShuffledBatchSource(pool, 16, 21, lengthGroupFactor: 50);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            var seen = Take(source, 60).SelectMany(b => b).ToList();
            Assert.Equal(pool.Count, seen.Distinct(ReferenceEqualityComparer.Instance).Count());
        }
    }

    [Fact]
    public void Should_Pad_Less_With_The_Same_Tokens_When_Grouped()
    {
        // Given: a mixed-length pool (3..120 tokens), two epochs of each source
        var pool = MixedLengthPool.Create(960, 3, 120, seed: 6);
        var plain = Take(new ShuffledBatchSource(pool, 16, 21), 120);
        var grouped = Take(new ShuffledBatchSource(pool, 16, 21, lengthGroupFactor: 50), 120);

        // Then: the same real tokens, fewer padded slots (HF reports large savings on mixed lengths; here at least a third)
        Assert.Equal(MixedLengthPool.RealTokens(plain), MixedLengthPool.RealTokens(grouped));
        long plainSlots = MixedLengthPool.PaddedSlots(plain), groupedSlots = MixedLengthPool.PaddedSlots(grouped);
        Assert.True(groupedSlots * 3 < plainSlots * 2, $"grouped batches pad to {groupedSlots} slots, plain ones to {plainSlots}");

        // And the per-task streams of distillation pad less too
        List<TrainingExample>[] tasks = [MixedLengthPool.Create(640, 3, 120, 1, 0), MixedLengthPool.Create(320, 3, 60, 2, 1)];
        var sampler = new TaskSamplerOptions { BatchSize = 16 };
        long taskPlain = MixedLengthPool.PaddedSlots(Take(new TaskSampledBatchSource(tasks, sampler, 3), 120));
        long taskGrouped = MixedLengthPool.PaddedSlots(Take(new TaskSampledBatchSource(tasks, sampler, 3, 50), 120));
        Assert.True(taskGrouped < taskPlain, $"grouped task batches pad to {taskGrouped} slots, plain ones to {taskPlain}");
    }

    [Fact]
    public void Should_Count_Truncated_Lengths_As_The_Collator_Cuts_Them()
    {
        // Given: lengths 10..100 cut at 8: every example is 8 long for the encoder, so grouping has only ties
        var pool = MixedLengthPool.Create(200, 10, 100, seed: 8);
        var plain = Take(new ShuffledBatchSource(pool, 5, 2), 80);
        var cut = Take(new ShuffledBatchSource(pool, 5, 2, lengthGroupFactor: 4, maxSourceLength: 8), 80);

        // Then: ties keep the shuffled order, so the batches equal the plain ones
        AssertSameBatches(plain, cut);
        // A BERT pair input counts every id ([CLS] a [SEP] b [SEP]; token types are one per id)
        var pair = new TrainingExample([101, 7, 102, 8, 9, 102], [0], 0) { TokenTypeIds = [0, 0, 0, 1, 1, 1] };
        Assert.Equal(6, LengthGrouping.EncoderLength(pair, 512));
        Assert.Equal(4, LengthGrouping.EncoderLength(pair, 4));
    }

    [Fact]
    public void Should_Give_The_Same_Batches_For_A_Seed_And_Others_For_Another_Seed()
    {
        var pool = MixedLengthPool.Create(300, 2, 80, seed: 3);
        var a = Take(new ShuffledBatchSource(pool, 10, 5, lengthGroupFactor: 3), 50);
        var b = Take(new ShuffledBatchSource(pool, 10, 5, lengthGroupFactor: 3), 50);
        var c = Take(new ShuffledBatchSource(pool, 10, 6, lengthGroupFactor: 3), 50);

        AssertSameBatches(a, b);
        Assert.NotEqual(a.SelectMany(x => x).Select(e => e.InputIds[0]), c.SelectMany(x => x).Select(e => e.InputIds[0]));
    }

    [Fact]
    public void Should_Resume_Grouped_Sources_Mid_Epoch_To_The_Same_Batches()
    {
        // Given: a single-pool source stopped mid-epoch (13 batches of 8 from 100 examples) and its state
        var pool = MixedLengthPool.Create(100, 2, 70, seed: 12);
        var source = new ShuffledBatchSource(pool, 8, 31, lengthGroupFactor: 3, maxSourceLength: 64);
        Take(source, 13);
        var state = source.GetState();
        var following = Take(source, 30);

        // When: a new source (another seed, as a fresh process would build before loading the checkpoint) takes the state
        var resumed = new ShuffledBatchSource(pool, 8, 999, lengthGroupFactor: 3, maxSourceLength: 64);
        resumed.SetState(state);

        // Then: the same batches follow, and the state has the format of an ungrouped source (one stream, no sampler)
        AssertSameBatches(following, Take(resumed, 30));
        Assert.Single(state.Streams);
        Assert.Null(state.Sampler);

        // Given/When/Then: the same for the task-sampled source of distillation
        List<TrainingExample>[] tasks = [MixedLengthPool.Create(60, 2, 50, 1, 0), MixedLengthPool.Create(35, 2, 50, 2, 1), MixedLengthPool.Create(20, 2, 50, 3, 2)];
        var options = new TaskSamplerOptions { BatchSize = 6 };
        var multi = new TaskSampledBatchSource(tasks, options, 8, lengthGroupFactor: 2);
        Take(multi, 11);
        var multiState = multi.GetState();
        var multiFollowing = Take(multi, 40);
        var multiResumed = new TaskSampledBatchSource(tasks, options, 8, lengthGroupFactor: 2);
        multiResumed.SetState(multiState);
        AssertSameBatches(multiFollowing, Take(multiResumed, 40));
    }

    [Fact]
    public void Should_Cap_The_Factor_As_HF_Does_So_Small_Pools_Keep_Random_Batches()
    {
        Assert.Equal(0, LengthGrouping.EffectiveFactor(0, 10_000, 16));
        Assert.Equal(50, LengthGrouping.EffectiveFactor(50, 10_000, 16));
        Assert.Equal(15, LengthGrouping.EffectiveFactor(50, 960, 16));  // a quarter of the epoch's 60 batches
        Assert.Equal(1, LengthGrouping.EffectiveFactor(50, 32, 8));      // few-shot: sort within each batch only
        Assert.Equal(3, LengthGrouping.EffectiveFactor(3, 960, 16));
        Assert.Equal(15 * 16, LengthGrouping.For(MixedLengthPool.Create(960, 2, 9, 1), 50, 16, 256)!.MegaBatchSize);
        Assert.Null(LengthGrouping.For(MixedLengthPool.Create(960, 2, 9, 1), 0, 16, 256));
    }

    [Fact]
    public void Should_Reject_A_Negative_Factor_Naming_The_Setting()
    {
        var pool = MixedLengthPool.Create(20, 2, 9, seed: 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ShuffledBatchSource(pool, 4, 1, lengthGroupFactor: -1));
        Assert.Contains("LengthGroupFactor", e.Message);
        Assert.Contains("-1", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => ShuffledBatchSource.For(pool, new TrainingLoopOptions { LengthGroupFactor = -5 }));
        Assert.Contains("LengthGroupFactor", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new TaskSampledBatchSource([pool], new TaskSamplerOptions { BatchSize = 4 }, 1, -2));
        Assert.Contains("LengthGroupFactor", e.Message);

        var config = Assert.Throws<ConfigException>(() => new LoopConfig { LengthGroupFactor = -3 }.Validate("teachers.loop"));
        Assert.Contains("teachers.loop.length_group_factor", config.Message);

        var mismatch = Assert.Throws<ArgumentException>(() => new ShuffledExampleStream(5, 1, grouping: new LengthGrouping([1, 2, 3], 2)));
        Assert.Contains("3 examples", mismatch.Message);
    }

    [Fact]
    public void Should_Store_The_Setting_Only_When_On_So_Older_Runs_Still_Resume()
    {
        // The stage options (run folder config.json, compared exactly on resume)
        Assert.DoesNotContain(nameof(TrainingLoopOptions.LengthGroupFactor), JsonSerializer.Serialize(new TrainingLoopOptions(), RunFolder.Json));
        Assert.Contains($"\"{nameof(TrainingLoopOptions.LengthGroupFactor)}\": 50", JsonSerializer.Serialize(new TrainingLoopOptions { LengthGroupFactor = 50 }, RunFolder.Json));

        // The pipeline config (pipeline_settings.json per finished run): read from JSON, mapped onto the loop options
        var cfg = ConfigJson.Parse("""{"teachers": {"loop": {"length_group_factor": 7}}}""");
        Assert.Equal(7, cfg.Teachers.Loop.ToOptions(20).LengthGroupFactor);
        Assert.Equal(0, cfg.Distill.Loop.ToOptions(5).LengthGroupFactor);
        Assert.Contains("\"length_group_factor\": 7", JsonSerializer.Serialize(cfg.Teachers.Loop, ConfigJson.Options));
        Assert.DoesNotContain("length_group_factor", JsonSerializer.Serialize(cfg.Distill.Loop, ConfigJson.Options));
    }
}
