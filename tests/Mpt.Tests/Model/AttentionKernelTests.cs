using Mpt.Benchmarks;
using Mpt.Model;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Model;

/// <summary>
/// <see cref="AttentionKernel"/>: where the fused kernel runs, and that both kernels reproduce HF on every golden model
/// (outputs, prompt gradient, greedy step logits) with the golden tolerances.
/// </summary>
public sealed class AttentionKernelTests
{
    public static TheoryData<string, AttentionKernel> ModelsAndKernels()
    {
        var data = new TheoryData<string, AttentionKernel>();
        foreach (string name in GoldenRoot.ModelNames())
            foreach (var kernel in Enum.GetValues<AttentionKernel>())
                data.Add(name, kernel);
        return data;
    }

    [Theory]
    [MemberData(nameof(ModelsAndKernels))]
    public void Either_Kernel_Should_Match_HF_Outputs_Gradient_And_Generation(string name, AttentionKernel kernel)
    {
        // Given: a frozen golden model with the kernel chosen, and a soft prompt leaf
        using var scope = torch.NewDisposeScope();
        using var g = T5GoldenModel.Load(name);
        g.Model.AttentionKernel = kernel;
        foreach (var p in g.Model.parameters()) p.requires_grad = false;
        var prompt = g.T("inputs.soft_prompt").requires_grad_(true);

        // When
        var output = g.Model.Forward(null, g.PromptInputsEmbeds(prompt, g.T("inputs.input_ids")), g.T("inputs.prompt_attention_mask"),
                                     g.T("inputs.decoder_input_ids"), g.T("inputs.labels"));
        output.Loss!.backward();
        int maxNewTokens = GoldenTensor.At(g.Golden, "generate.max_new_tokens").GetInt32();
        var generated = g.Model.Generate(g.T("inputs.input_ids"), null, g.T("inputs.attention_mask"), maxNewTokens, returnStepLogits: true);

        // Then
        Assert.Equal(kernel, g.Model.AttentionKernel);
        g.AssertActivation("prompt_outputs.encoder_last_hidden_state", output.EncoderLastHiddenState);
        g.AssertActivation("prompt_outputs.logits", output.Logits);
        GoldenTensor.AssertClose(g.T("prompt_outputs.loss"), output.Loss!, T5GoldenModel.LossAbs, 0, $"{name} {kernel} loss");
        GoldenTensor.AssertClose(g.T("prompt_grad"), prompt.grad!, T5GoldenModel.GradAbs, T5GoldenModel.GradRel, $"{name} {kernel} prompt_grad");
        GoldenTensor.AssertEqualIds(g.T("generate.sequences"), generated.Sequences, $"{name} {kernel} generate.sequences");
        g.AssertActivation("generate.step_logits", generated.StepLogits!);
    }

    [Fact]
    public void Fused_Kernel_Should_Run_Only_Where_It_Computes_The_Same_Function()
    {
        // Given: a tiny model (dropout rate 0.1) and a bias that needs no gradient
        torch.manual_seed(5);
        var config = BenchmarkShapes.Get(BenchmarkShapes.Tiny);
        Assert.True(config.DropoutRate > 0);
        using var model = new T5ForConditionalGeneration(config);
        var attention = model.modules().OfType<T5Attention>().First(a => a.HasRelativeAttentionBias);
        using var scope = torch.NewDisposeScope();
        var bias = torch.zeros(1, config.NumHeads, 3, 3);

        // Then: the default is fused, in eval mode it runs
        Assert.Equal(AttentionKernel.Fused, model.AttentionKernel);
        model.eval();
        Assert.True(attention.UsesFusedKernel(bias));
        // not while attention dropout is active (its masks must come from BackboneDropout's kernel)
        model.train();
        Assert.False(attention.UsesFusedKernel(bias));
        // but in training mode without dropout it does
        using (var noDropout = new T5ForConditionalGeneration(config with { DropoutRate = 0 }))
        {
            noDropout.train();
            Assert.True(noDropout.modules().OfType<T5Attention>().First().UsesFusedKernel(bias));
        }
        model.eval();
        // not when gradients must reach the bias (the fused kernel treats its mask as a constant)
        var trainedBias = torch.zeros(1, config.NumHeads, 3, 3).requires_grad_(true);
        Assert.False(attention.UsesFusedKernel(trainedBias));
        using (torch.no_grad()) Assert.True(attention.UsesFusedKernel(trainedBias));
        // not with a bias of another dtype than the projections
        Assert.False(attention.UsesFusedKernel(bias.to(ScalarType.Float64)));
        // and never when math is chosen
        model.AttentionKernel = AttentionKernel.Math;
        Assert.False(attention.UsesFusedKernel(bias));
        Assert.All(model.modules().OfType<T5Attention>(), a => Assert.Equal(AttentionKernel.Math, a.Kernel));
    }

    [Fact]
    public void With_Dropout_On_Both_Kernels_Should_Draw_The_Same_Masks_And_Give_Identical_Losses()
    {
        // Given: the same model and seed in training mode (dropout on, exact kernel)
        var config = BenchmarkShapes.Get(BenchmarkShapes.Tiny);
        torch.manual_seed(9);
        using var model = new T5ForConditionalGeneration(config);
        model.train();
        using var scope = torch.NewDisposeScope();
        var ids = torch.randint(2, config.VocabSize, [2, 7], ScalarType.Int64);
        var mask = torch.ones(2, 7, ScalarType.Int64);
        var labels = torch.randint(2, config.VocabSize, [2, 3], ScalarType.Int64);
        float Loss(AttentionKernel kernel)
        {
            model.AttentionKernel = kernel;
            torch.manual_seed(123);
            return model.Forward(ids, null, mask, null, labels).Loss!.item<float>();
        }

        // When / Then: the fused choice falls back to the explicit form, bit for bit the same random stream
        Assert.Equal(Loss(AttentionKernel.Math), Loss(AttentionKernel.Fused));
    }
}
