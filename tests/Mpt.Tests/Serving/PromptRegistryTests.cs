using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Serving;
using Mpt.Tests.Pipeline;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>What <c>mpt serve --prompts</c> accepts and refuses, each refusal naming the path and what to do.</summary>
[Collection(ServingCollection.Name)]
public sealed class PromptRegistryTests(ServingFixture fixture)
{
    [Fact]
    public void Should_Name_A_Pipeline_Seed_Folder_After_Its_Place_In_The_Run()
    {
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);

        var added = registry.Add(Path.GetDirectoryName(fixture.RunAdapter("pt", 1))!);

        Assert.Equal($"{UserTaskFolder.Reviews}/pt/seed-1", Assert.Single(added).Name);
        Assert.Equal(["pos", "neg"], added[0].Labels);
    }

    [Fact]
    public void Should_Refuse_An_Adapter_Saved_For_Other_Weights()
    {
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);
        string folder = Path.Combine(fixture.Data.Root, "other-model");
        using (var prompt = new SoftPrompt(torch.zeros(ServingFixture.Length, 384)))
            PeftAdapter.Save(folder, fixture.Backbone.AdapterConfig(prompt), prompt, fixture.Backbone.Fingerprint with { WeightsSha256 = new string('0', 64) });

        Assert.Throws<ModelMismatchException>(() => registry.Add($"{UserTaskFolder.Reviews}={folder}"));
    }

    [Fact]
    public void Should_Refuse_A_Prompt_Whose_Task_Is_Unknown_Naming_The_Task_File_Option()
    {
        using var registry = new PromptRegistry(fixture.Backbone, Mpt.Tasks.TaskCatalog.CreateDefault());

        var error = Assert.Throws<ConfigException>(() => registry.Add($"{UserTaskFolder.Topic}={fixture.TopicFile}"));

        Assert.Contains(UserTaskFolder.Topic, error.Message);
        Assert.Contains("--task-file", error.Message);
    }

    [Fact]
    public void Should_Refuse_A_Name_Given_Twice_And_A_Name_For_A_Run_Folder()
    {
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);
        registry.Add($"{UserTaskFolder.Topic}={fixture.TopicFile}");

        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => registry.Add($"{UserTaskFolder.Topic}={fixture.TopicFile}")).Message);
        Assert.Contains("run folder", Assert.Throws<ArgumentException>(() => registry.Add($"x={fixture.RunFolder}")).Message);
    }

    [Fact]
    public void Should_Refuse_A_Multitask_Prompt_Pointing_To_Export()
    {
        using var registry = new PromptRegistry(fixture.Backbone, fixture.Catalog);
        string file = Path.Combine(fixture.Data.Root, "two-tasks.safetensors");
        using (var shared = torch.zeros(ServingFixture.Length, 384))
        using (var prompt = MultitaskPrompt.Create(shared, 2))
            Mpt.Checkpoints.SafetensorsFile.Write(file, prompt.PeftTensors());

        var error = Assert.Throws<ArgumentException>(() => registry.Add($"{UserTaskFolder.Topic}={file}"));

        Assert.Contains("mpt export", error.Message);
    }

    [Fact]
    public async Task Should_Refuse_A_Missing_Path_And_Registration_After_Serving_Started()
    {
        using var registry = fixture.Registry();
        Assert.Throws<FileNotFoundException>(() => registry.Add(Path.Combine(fixture.Data.Root, "absent")));
        await using var predictor = new BatchingPredictor(registry);

        Assert.Throws<InvalidOperationException>(() => registry.Add(fixture.WeatherAdapter));
    }
}
