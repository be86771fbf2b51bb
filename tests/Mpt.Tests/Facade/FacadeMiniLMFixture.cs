using Xunit;

namespace Mpt.Tests.Facade;

/// <summary>
/// One <see cref="PromptTuner"/> on the embedded all-MiniLM-L6-v2 for the facade tests (loading the 91 MB ONNX file
/// once). Two torch threads per call, while the test assembly runs on one, so the tests can see the count restored.
/// </summary>
public sealed class FacadeMiniLMFixture : IDisposable
{
    public const int Steps = 30;

    public FacadeMiniLMFixture()
    {
        Options = new PromptTunerOptions { PromptLength = 8, Steps = Steps, TeacherSteps = 8, DistillSteps = 8, BatchSize = 8, LearningRate = 0.1, Seed = 5, Threads = 2 };
        Tuner = PromptTuner.Open("minilm", Options);
    }

    public PromptTunerOptions Options { get; }

    public PromptTuner Tuner { get; }

    public void Dispose() => Tuner.Dispose();
}

[CollectionDefinition(Name)]
public sealed class FacadeMiniLMCollection : ICollectionFixture<FacadeMiniLMFixture>
{
    public const string Name = "Facade MiniLM";
}
