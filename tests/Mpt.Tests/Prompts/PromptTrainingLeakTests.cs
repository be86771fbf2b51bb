using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Prompts;

/// <summary>A prompt train step inside one dispose scope per step leaves no live tensors behind (docs/testing.md §1).</summary>
public sealed class PromptTrainingLeakTests
{
    [Fact]
    public void Should_Keep_The_Live_Tensor_Count_Flat_Over_Train_Steps()
    {
        using var prompt = MultitaskPrompt.Create(torch.ones(5, 8), numTasks: 3, rank: 2);
        using var optimizer = new PromptOptimizer(prompt, PromptLearningRates.SourceTraining);
        var taskIds = torch.tensor(new long[] { 0, 2, 1, 2 });
        var teacher = torch.randn(4, 5, 8);

        void Step(int i)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.ApplySchedule(LinearWarmupSchedule.Multiplier(i, 100, 10));
            var student = prompt.call(taskIds);
            var mse = DistillationLosses.HiddenMse([teacher], [student], torch.ones(4, 5));
            optimizer.ZeroGrad();
            mse.backward();
            optimizer.Step();
        }

        for (int i = 0; i < 3; i++) Step(i); // warm-up: optimizer state and gradients are allocated once
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 3; i < 23; i++) Step(i);
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Equal(before, after);
        taskIds.Dispose();
        teacher.Dispose();
    }
}
