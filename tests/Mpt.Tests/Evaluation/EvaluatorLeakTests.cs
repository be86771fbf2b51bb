using Mpt.Evaluation;
using Mpt.Prompts;
using Mpt.Tasks;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Evaluation;

/// <summary>Evaluation frees every tensor it makes: the live count is flat over repeated runs (docs/testing.md §1).</summary>
public sealed class EvaluatorLeakTests : IDisposable
{
    private readonly TinyEvaluationWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public void Should_Keep_The_Live_Tensor_Count_Flat_Over_Generation_And_Rank_Classification()
    {
        // Given
        TaskDefinition rte = TaskCatalog.CreateDefault().Get("rte");
        var rows = TinyEvaluationWorkspace.RteRows(rte, 7);
        using MultitaskPrompt prompt = _ws.RandomMultitaskPrompt(tasks: 2);
        var model = EvaluationModel.WithPrompt(new PromptedT5(_ws.Model, prompt), taskId: 1);
        var generate = new Evaluator(model, _ws.Tokenizer, new EvaluationOptions { BatchSize = 3 });
        var rank = new Evaluator(model, _ws.Tokenizer, new EvaluationOptions { BatchSize = 3, RankClassification = true });
        void Run()
        {
            generate.Evaluate(rte, rows);
            rank.Evaluate(rte, rows);
        }

        // When
        Run(); // warm-up: anything allocated once (cached buffers) is allocated here
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) Run();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // Then
        Assert.Equal(before, after);
    }
}
