using Mpt.Benchmarks;
using Mpt.Model;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Model;

/// <summary>
/// Activation checkpointing of the T5 blocks (<see cref="T5ForConditionalGeneration.ActivationCheckpointing"/>): the
/// loss and every gradient equal those without it — on every golden model against HF's prompt gradient, and with
/// dropout on, where the recomputation must draw the masks of the first forward — and the live-tensor count stays flat.
/// </summary>
public sealed class ActivationCheckpointingTests(ITestOutputHelper output)
{
    // The recomputation runs the same kernels on the same values; only a different summation order could differ.
    private const double Abs = 1e-6, Rel = 1e-5;

    public static TheoryData<string> Models() => T5GoldenModel.Names();

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Match_HF_Prompt_Gradient_With_Checkpointing(string name) =>
        // The golden test's loss and prompt gradient, with its tolerances, on the checkpointed backbone
        T5GoldenTests.AssertHfPromptGradient(name, activationCheckpointing: true);

    [Theory]
    [InlineData(DropoutKernel.Exact)]
    [InlineData(DropoutKernel.ParallelChunks)]
    public void Should_Replay_The_Dropout_Masks_Of_The_First_Forward(DropoutKernel kernel)
    {
        // Given: the tiny benchmark shape in train mode (dropout 0.1 everywhere HF puts it), frozen, with a prompt
        using var model = TinyModel();
        model.DropoutKernel = kernel;
        model.train();

        // When: the same step from the same seed without and with checkpointing
        var plain = Step(model, checkpointing: false, seed: 7);
        var checkpointed = Step(model, checkpointing: true, seed: 7);
        var otherSeed = Step(model, checkpointing: false, seed: 8);

        // Then: equal loss and prompt gradient, and the generator ends where it ends without checkpointing
        output.WriteLine($"{kernel}: loss {plain.Loss} / {checkpointed.Loss} (seed 8: {otherSeed.Loss})");
        Assert.Equal(plain.Loss, checkpointed.Loss, 1e-6);
        GoldenTensor.AssertClose(plain.PromptGrad, checkpointed.PromptGrad, Abs, Rel, $"{kernel} prompt gradient");
        Assert.True(plain.GeneratorAfter.equal(checkpointed.GeneratorAfter).all().item<bool>(), "the generator state after the step differs");
        // The masks matter: another seed gives another gradient, so equal gradients above mean equal masks.
        Assert.False(plain.PromptGrad.allclose(otherSeed.PromptGrad, rtol: 1e-3, atol: 1e-5), "dropout does not change the gradient");
        foreach (var s in new[] { plain, checkpointed, otherSeed }) s.Dispose();
    }

    [Fact]
    public void Should_Recompute_In_The_Mode_Of_The_First_Forward()
    {
        // Given: a pass with gradients in eval mode, the backbone switched back to train mode before the backward (the
        // distiller's dropout-free student pass does this)
        using var model = TinyModel();
        model.train();

        // When
        var plain = Step(model, checkpointing: false, seed: 4, evalForward: true);
        var checkpointed = Step(model, checkpointing: true, seed: 4, evalForward: true);

        // Then: the recomputation ran without dropout, as the forward did
        GoldenTensor.AssertClose(plain.PromptGrad, checkpointed.PromptGrad, Abs, Rel, "prompt gradient of an eval-mode pass");
        Assert.True(model.training);
        plain.Dispose();
        checkpointed.Dispose();
    }

    [Fact]
    public void Should_Give_Trainable_Backbone_Parameters_Their_Gradients()
    {
        // Given: a backbone whose parameters train (checkpointing does not assume a frozen backbone), dropout on
        using var model = TinyModel();
        foreach (var p in model.parameters()) p.requires_grad = true;
        model.train();

        // When
        var plain = Step(model, checkpointing: false, seed: 3, parameterGrads: true);
        var checkpointed = Step(model, checkpointing: true, seed: 3, parameterGrads: true);

        // Then: every parameter has the same gradient
        Assert.Equal(plain.ParameterGrads!.Keys.Order(), checkpointed.ParameterGrads!.Keys.Order());
        foreach (var (key, want) in plain.ParameterGrads)
            GoldenTensor.AssertClose(want, checkpointed.ParameterGrads[key], Abs, Rel, $"gradient of {key}");
        plain.Dispose();
        checkpointed.Dispose();
    }

    [Fact]
    public void Should_Keep_Live_Tensors_Flat_Over_Checkpointed_Steps()
    {
        // Given: a checkpointed tiny backbone in train mode and a prompt trained by Adam
        using var model = TinyModel();
        model.ActivationCheckpointing = true;
        model.train();
        var (ids, mask, labels) = Batch();
        var prompt = new Parameter(RandomPrompt(model), requires_grad: true);
        using var optimizer = torch.optim.Adam([prompt], lr: 1e-2);
        var liveCounts = new List<long>();

        // When: 8 steps, each in its own dispose scope
        for (int step = 0; step < 8; step++)
        {
            using (var scope = torch.NewDisposeScope())
            {
                optimizer.zero_grad();
                var result = model.Forward(null, PromptedEmbeds(model, prompt, ids), PromptedMask(mask), null, labels);
                result.Loss!.backward();
                optimizer.step();
            }
            liveCounts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }

        // Then: after Adam's first step allocated its state, the count does not move
        output.WriteLine($"live tensors per step: {string.Join(", ", liveCounts)}");
        Assert.All(liveCounts.Skip(2), count => Assert.Equal(liveCounts[1], count));
        using (var probe = torch.zeros(1))
            Assert.Equal(liveCounts[^1] + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.NotNull(prompt.grad);
        foreach (var t in new Tensor[] { ids, mask, labels, prompt }) t.Dispose();
    }

    private sealed record StepResult(double Loss, Tensor PromptGrad, Tensor GeneratorAfter, Dictionary<string, Tensor>? ParameterGrads) : IDisposable
    {
        public void Dispose()
        {
            PromptGrad.Dispose();
            GeneratorAfter.Dispose();
            if (ParameterGrads is not null) foreach (var t in ParameterGrads.Values) t.Dispose();
        }
    }

    /// <summary>One prompt-tuning forward and backward from <paramref name="seed"/>; results are detached from every scope.</summary>
    private static StepResult Step(T5ForConditionalGeneration model, bool checkpointing, long seed, bool parameterGrads = false, bool evalForward = false)
    {
        using var scope = torch.NewDisposeScope();
        model.ActivationCheckpointing = checkpointing;
        model.zero_grad();
        var (ids, mask, labels) = Batch();
        var prompt = RandomPrompt(model).requires_grad_(true);
        torch.manual_seed(seed);
        bool training = model.training;
        if (evalForward) model.eval();
        var result = model.Forward(null, PromptedEmbeds(model, prompt, ids), PromptedMask(mask), null, labels);
        model.train(training);
        result.Loss!.backward();
        var grads = parameterGrads
            ? model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone().DetachFromDisposeScope())
            : null;
        return new StepResult(result.Loss.item<float>(), prompt.grad!.clone().DetachFromDisposeScope(),
                              torch.random.get_rng_state().DetachFromDisposeScope(), grads);
    }

    private static T5ForConditionalGeneration TinyModel()
    {
        torch.manual_seed(1);
        var model = new T5ForConditionalGeneration(BenchmarkShapes.Get(BenchmarkShapes.Tiny));
        foreach (var p in model.parameters()) p.requires_grad = false;
        return model;
    }

    private const int PromptLength = 5;

    private static Tensor RandomPrompt(T5ForConditionalGeneration model)
    {
        using var generator = new torch.Generator(11);
        return torch.randn([PromptLength, model.Config.DModel], generator: generator);
    }

    private static Tensor PromptedEmbeds(T5ForConditionalGeneration model, Tensor prompt, Tensor ids) =>
        torch.cat([prompt.unsqueeze(0).expand(ids.shape[0], -1, -1), model.EmbedTokens(ids)], 1);

    private static Tensor PromptedMask(Tensor mask) =>
        torch.cat([torch.ones(mask.shape[0], PromptLength, ScalarType.Int64), mask], 1);

    private static (Tensor Ids, Tensor Mask, Tensor Labels) Batch()
    {
        using var generator = new torch.Generator(5);
        var ids = torch.randint(2, 256, [3, 9], ScalarType.Int64, generator: generator);
        var mask = torch.ones(3, 9, ScalarType.Int64);
        mask[2, 6..] = torch.tensor(0L); // one padded row, so the mask path is exercised
        var labels = torch.randint(2, 256, [3, 4], ScalarType.Int64, generator: generator);
        return (ids, mask, labels);
    }
}
