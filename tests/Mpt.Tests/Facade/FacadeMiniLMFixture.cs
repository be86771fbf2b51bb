using Xunit;

namespace Mpt.Tests.Facade;

/// <summary>
/// One <see cref="PromptTuner"/> on the embedded all-MiniLM-L6-v2 for the facade tests (loading the 91 MB ONNX file
/// once); tests derive cheaper tuners from it with <see cref="PromptTuner.WithOptions"/>.
/// </summary>
public sealed class FacadeMiniLMFixture : IDisposable
{
    // PromptedEncoderLearningTests' setting (l = 8, 25 steps of 16, lr 0.1), where the prompt learns the 16 sentences.
    public const int Steps = 25;

    public FacadeMiniLMFixture()
    {
        Options = new PromptTunerOptions { PromptLength = 8, Steps = Steps, BatchSize = 16, LearningRate = 0.1, Seed = 5 };
        Tuner = PromptTuner.Open("minilm", Options);
    }

    /// <summary>The learning setting.</summary>
    public PromptTunerOptions Options { get; }

    /// <summary>A few steps per stage, for tests of the plumbing rather than of learning.</summary>
    public PromptTunerOptions Quick => Options with { Steps = 4, TeacherSteps = 3, DistillSteps = 3, BatchSize = 8 };

    public PromptTuner Tuner { get; }

    public void Dispose() => Tuner.Dispose();
}

[CollectionDefinition(Name)]
public sealed class FacadeMiniLMCollection : ICollectionFixture<FacadeMiniLMFixture>
{
    public const string Name = "Facade MiniLM";
}
