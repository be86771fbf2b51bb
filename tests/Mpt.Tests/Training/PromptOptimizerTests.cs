using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

public sealed class PromptOptimizerTests
{
    private static MultitaskPrompt Prompt()
    {
        using var scope = torch.NewDisposeScope();
        using var g = new torch.Generator(17);
        return new MultitaskPrompt(torch.randn([3, 4], generator: g), torch.randn([2, 3, 1], generator: g), torch.randn([2, 1, 4], generator: g));
    }

    /// <summary>
    /// AdamW's first update, in double: p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + ε) with m̂ = g, v̂ = g² (bias-corrected first moments),
    /// i.e. p·(1 − lr·wd) − lr·g/(|g| + ε).
    /// </summary>
    private static void AssertFirstAdamWStep(float[] before, float[] grad, float[] after, double lr, string what)
    {
        for (int i = 0; i < before.Length; i++)
        {
            double want = before[i] * (1 - lr * 1e-5) - lr * grad[i] / (Math.Abs(grad[i]) + 1e-8);
            Assert.True(Math.Abs(after[i] - want) < 1e-5 + 1e-5 * Math.Abs(want), $"{what}[{i}]: got {after[i]}, want {want}");
        }
    }

    private static float[] Values(Tensor t) => t.detach().flatten().data<float>().ToArray();

    [Fact]
    public void Should_Update_P_Star_At_0_3_And_U_V_At_0_4_And_Nothing_Else()
    {
        using var scope = torch.NewDisposeScope();
        // Given: a prompt, and a "backbone" weight that takes part in the loss but is not in the optimizer
        using var prompt = Prompt();
        var backbone = new Parameter(torch.ones(4));
        backbone.DetachFromDisposeScope();
        using var optimizer = new PromptOptimizer(prompt, PromptLearningRates.TargetAdaptation);
        var p0 = Values(prompt.SharedPrompt); var u0 = Values(prompt.TaskCols); var v0 = Values(prompt.TaskRows);

        // When: one step on a loss touching every parameter (task 1 only, so task 0's factors get no gradient)
        var loss = (prompt.call(torch.tensor(new long[] { 1, 1 })) * backbone).square().sum();
        loss.backward();
        var gp = Values(prompt.SharedPrompt.grad!); var gu = Values(prompt.TaskCols.grad!); var gv = Values(prompt.TaskRows.grad!);
        optimizer.Step();

        // Then
        Assert.Equal([("shared", 0.3), ("task_specific", 0.4)], optimizer.Groups);
        AssertFirstAdamWStep(p0, gp, Values(prompt.SharedPrompt), 0.3, "P*");
        AssertFirstAdamWStep(u0, gu, Values(prompt.TaskCols), 0.4, "u");
        AssertFirstAdamWStep(v0, gv, Values(prompt.TaskRows), 0.4, "v");
        Assert.Equal(Values(torch.ones(4)), Values(backbone));
        Assert.NotEqual(p0, Values(prompt.SharedPrompt));
        // Task 0 had zero gradient: only weight decay moved it (by lr·wd relative).
        Assert.Equal(u0[0] * (1 - 0.4 * 1e-5), Values(prompt.TaskCols)[0], 6);
        backbone.Dispose();
    }

    [Fact]
    public void Should_Keep_A_Frozen_Group_Fixed()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = Prompt();
        using var optimizer = new PromptOptimizer(prompt, PromptLearningRates.TargetAdaptation with { Shared = null });
        var p0 = Values(prompt.SharedPrompt); var u0 = Values(prompt.TaskCols);

        prompt.call(torch.tensor(new long[] { 0, 1 })).square().sum().backward();
        optimizer.Step();

        Assert.False(prompt.SharedPrompt.requires_grad);
        Assert.Equal(p0, Values(prompt.SharedPrompt));
        Assert.NotEqual(u0, Values(prompt.TaskCols));
        Assert.Equal(prompt.TaskCols.numel() + prompt.TaskRows.numel(), prompt.TrainableParameterCount());
        Assert.Throws<ArgumentException>(() => new PromptOptimizer(prompt, new PromptLearningRates { Shared = null, TaskSpecific = null }));
    }

    [Fact]
    public void Should_Apply_The_Schedule_To_Every_Group()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = Prompt();
        using var optimizer = new PromptOptimizer(prompt, PromptLearningRates.SourceTraining);
        optimizer.ApplySchedule(LinearWarmupSchedule.Multiplier(250, 1000, 500));
        Assert.Equal(0.15, optimizer.CurrentLearningRate(PromptParameterGroupNames.Shared), 12);
        Assert.Equal(0.15, optimizer.CurrentLearningRate(PromptParameterGroupNames.TaskSpecific), 12);

        // At multiplier 0 (step 0 of a warm-up) a step leaves the prompt unchanged.
        optimizer.ApplySchedule(0);
        var p0 = Values(prompt.SharedPrompt);
        prompt.call(torch.tensor(new long[] { 0 })).sum().backward();
        optimizer.Step();
        Assert.Equal(p0, Values(prompt.SharedPrompt));
    }

    [Fact]
    public void Should_Train_A_Soft_Prompt_With_The_Shared_Rate()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = new SoftPrompt(torch.ones(2, 3));
        using var optimizer = new PromptOptimizer(prompt, PromptLearningRates.SourceTraining);
        prompt.call(torch.zeros(1, ScalarType.Int64)).sum().backward();
        optimizer.Step();
        Assert.All(Values(prompt.Prompt), x => Assert.Equal(1 * (1 - 0.3 * 1e-5) - 0.3, x, 5));
    }
}
