using Mpt.Model;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Model;

/// <summary>Half-precision (bf16, fp16) execution with a float32 soft prompt, and tensor lifetime over prompt-tuning steps.</summary>
public sealed class T5PrecisionAndLifetimeTests(ITestOutputHelper output)
{
    /// <summary>Every golden model in bfloat16 and float16 (HF's float16 path also clamps activations).</summary>
    public static TheoryData<string, ScalarType> ModelsAndHalfTypes()
    {
        var data = new TheoryData<string, ScalarType>();
        foreach (string name in GoldenRoot.ModelNames())
        {
            data.Add(name, ScalarType.BFloat16);
            data.Add(name, ScalarType.Float16);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ModelsAndHalfTypes))]
    public void Should_Run_In_Half_Precision_With_A_Float32_Prompt(string name, ScalarType dtype)
    {
        // Given: a half-precision backbone, frozen, and a float32 prompt leaf (prompt tuning keeps the trainable part in fp32)
        using var scope = torch.NewDisposeScope();
        using var g = T5GoldenModel.Load(name);
        g.Model.to(dtype);
        foreach (var p in g.Model.parameters()) p.requires_grad = false;
        var prompt = g.T("inputs.soft_prompt").requires_grad_(true);

        // When
        var embeds = g.PromptInputsEmbeds(prompt, g.T("inputs.input_ids"));
        var result = g.Model.Forward(null, embeds, g.T("inputs.prompt_attention_mask"), null, g.T("inputs.labels"));
        result.Loss!.backward();

        // Then
        Assert.All(g.Model.named_parameters(), p => Assert.Equal(dtype, p.parameter.dtype));
        Assert.Equal(g.Model.Config.ExpectedStateDictShapes().Keys.Order(StringComparer.Ordinal),
                     g.Model.named_parameters().Select(p => p.name).Order(StringComparer.Ordinal));
        Assert.Equal(dtype, result.Logits.dtype);
        Assert.True(result.Logits.isfinite().all().item<bool>(), $"{dtype} logits are not finite");
        var want = g.T("prompt_outputs.logits");
        double maxDiff = (result.Logits.to(ScalarType.Float32) - want).abs().max().item<float>();
        double scale = want.abs().max().item<float>();
        output.WriteLine($"{name}: {dtype} vs fp32 logits max |diff| {maxDiff:E3}, max |logit| {scale:E3}, loss {result.Loss.to(ScalarType.Float32).item<float>()} vs {g.T("prompt_outputs.loss").item<float>()}");
        // bf16 keeps 8 mantissa bits (relative step 2^-8 = 0.4 %), fp16 11; over a few layers the error stays within a
        // few percent of the logit range. A wrong computation (e.g. a missing mask or norm) is off by the whole range.
        Assert.True(maxDiff <= 0.05 * scale, $"{name}: {dtype} logits differ from fp32 by {maxDiff} (logit range {scale})");
        Assert.Equal(ScalarType.Float32, prompt.dtype);
        Assert.NotNull(prompt.grad);
        Assert.Equal(ScalarType.Float32, prompt.grad!.dtype);
        Assert.True(prompt.grad.isfinite().all().item<bool>());
        Assert.True(prompt.grad.abs().sum().item<float>() > 0, "the prompt received a zero gradient");
    }

    [Fact]
    public void Should_Keep_Live_Tensors_Flat_Over_Prompt_Tuning_Steps()
    {
        // Given: a frozen backbone and a float32 prompt Parameter trained by Adam
        string name = GoldenRoot.ModelNames()[0];
        using var g = T5GoldenModel.Load(name);
        foreach (var p in g.Model.parameters()) p.requires_grad = false;
        Tensor inputIds, mask, labels;
        Parameter prompt;
        using (var setup = torch.NewDisposeScope())
        {
            inputIds = g.T("inputs.input_ids").DetachFromDisposeScope();
            mask = g.T("inputs.prompt_attention_mask").DetachFromDisposeScope();
            labels = g.T("inputs.labels").DetachFromDisposeScope();
            prompt = new Parameter(g.T("inputs.soft_prompt").clone().DetachFromDisposeScope(), requires_grad: true);
        }
        using var optimizer = torch.optim.Adam([prompt], lr: 1e-2);
        var liveCounts = new List<long>();
        var losses = new List<float>();

        // When: 20 steps, each in its own dispose scope
        for (int step = 0; step < 20; step++)
        {
            using (var scope = torch.NewDisposeScope())
            {
                optimizer.zero_grad();
                var embeds = g.PromptInputsEmbeds(prompt, inputIds);
                var result = g.Model.Forward(null, embeds, mask, null, labels);
                result.Loss!.backward();
                optimizer.step();
                losses.Add(result.Loss.item<float>());
            }
            liveCounts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }

        // Then: after warm-up (Adam allocates its state at the first step) the live count does not move
        output.WriteLine($"live tensors per step: {string.Join(", ", liveCounts)}");
        output.WriteLine($"losses: {string.Join(", ", losses.Select(l => l.ToString("F4")))}");
        Assert.All(liveCounts.Skip(3), count => Assert.Equal(liveCounts[2], count));
        // The statistic does see a tensor created outside any scope (so the flat line above is meaningful).
        using (var probe = torch.zeros(1))
            Assert.Equal(liveCounts[^1] + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.True(losses[^1] < losses[0], "Adam on the prompt did not reduce the loss");
        Assert.NotNull(prompt.grad);
        Assert.All(g.Model.named_parameters(), p => Assert.True(p.parameter.grad is null, $"backbone parameter {p.name} has a gradient"));

        inputIds.Dispose();
        mask.Dispose();
        labels.Dispose();
        prompt.Dispose();
    }
}
