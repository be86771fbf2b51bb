using Mpt.Serving;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// MPT prompts of one run share P* (Wang et al. 2023, eq. 2): the registry holds it once and keeps u_k, v_k per task;
/// batches compose P* ∘ (u_k v_k) per row, with the scores <c>mpt predict</c> gives each prompt alone.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class SharedPromptTests(ServingFixture fixture)
{
    private static readonly string[] Inputs = ["The striker scored twice.", "A bowl of noodle soup.", "Rain all day."];

    [Fact]
    public async Task Should_Hold_A_Shared_P_Star_Once_And_Answer_Each_Task_With_Its_Own_Prompt()
    {
        // Given: three adapters over one P* (a run's targets), one over another P*, and the soft prompts of the fixture
        string folder = Path.Combine(fixture.Data.Root, $"shared-{Guid.NewGuid():N}");
        var adapters = new (string Name, ulong SharedSeed, ulong TaskSeed)[] { ("a", 51, 1), ("b", 51, 2), ("c", 51, 3), ("d", 52, 4) };
        foreach (var (name, sharedSeed, taskSeed) in adapters) fixture.SaveMultitaskAdapter(Path.Combine(folder, name), sharedSeed, taskSeed);
        using var registry = fixture.Registry();
        int before = registry.SharedPromptCount; // the run folder's MPT prompt
        foreach (var (name, _, _) in adapters) registry.Add($"{UserTaskFolder.Topic}/{name}={Path.Combine(folder, name)}");
        await using var predictor = new BatchingPredictor(registry, new BatchingOptions { MaxBatch = adapters.Length * Inputs.Length + 1, MaxWait = TimeSpan.FromSeconds(30) });
        await predictor.WarmUpAsync();

        // When: every row of every MPT task and one soft-prompt row (same prompt length) in one forward
        var answers = adapters.Select(a => predictor.PredictAsync($"{UserTaskFolder.Topic}/{a.Name}", Inputs)).ToList();
        var soft = predictor.PredictAsync(ServingFixture.Weather, ["Sunny."]);
        await Task.WhenAll([.. answers, soft]);

        // Then: two more shared prompts, not four; each task scored with its own P* ∘ (u_k v_k)
        Assert.Equal(before + 2, registry.SharedPromptCount);
        Assert.Equal(1, predictor.Statistics.MixedTaskBatches);
        var topic = fixture.Catalog.Get(UserTaskFolder.Topic);
        for (int i = 0; i < adapters.Length; i++)
            ServeEndpointTests.AssertSameScores(fixture.Reference(topic, Path.Combine(folder, adapters[i].Name), Inputs), ["sports", "food"],
                (await answers[i]).Select(p => (p.Label!, p.Scores.ToDictionary())).ToList());
        ServeEndpointTests.AssertSameScores(fixture.Reference(fixture.WeatherTask, fixture.WeatherAdapter, ["Sunny."]), ["sunny", "rainy"],
            (await soft).Select(p => (p.Label!, p.Scores.ToDictionary())).ToList());

        // And: P* is freed with its last task only
        Assert.True(await predictor.RemoveTaskAsync($"{UserTaskFolder.Topic}/a"));
        Assert.Equal(before + 2, registry.SharedPromptCount);
        Assert.True(await predictor.RemoveTaskAsync($"{UserTaskFolder.Topic}/d"));
        Assert.Equal(before + 1, registry.SharedPromptCount);
        ServeEndpointTests.AssertSameScores(fixture.Reference(topic, Path.Combine(folder, "b"), Inputs), ["sports", "food"],
            (await predictor.PredictAsync($"{UserTaskFolder.Topic}/b", Inputs)).Select(p => (p.Label!, p.Scores.ToDictionary())).ToList());
    }
}
