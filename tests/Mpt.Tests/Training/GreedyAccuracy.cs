using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;

namespace Mpt.Tests.Training;

/// <summary>
/// A tiny local accuracy for tests (the real evaluator lives elsewhere): greedy generation, then exact match of the
/// generated ids (up to eos) with the label ids (without eos).
/// </summary>
internal static class GreedyAccuracy
{
    public static double Of(PromptedT5 model, IReadOnlyList<TrainingExample> examples, int batchSize = 64)
    {
        var collator = new BatchCollator(model.Backbone.Config.PadTokenId, model.Backbone.Config.EosTokenId);
        int correct = 0;
        for (int start = 0; start < examples.Count; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var chunk = examples.Skip(start).Take(batchSize).ToList();
            var batch = collator.Collate(chunk);
            var taskIds = PromptTuningObjective.StudentTaskIds(model.Prompt, batch);
            var generated = model.Generate(batch.InputIds, batch.AttentionMask, taskIds, maxNewTokens: 4).Sequences;
            for (int i = 0; i < chunk.Count; i++)
            {
                var ids = generated[i].data<long>().ToArray().Skip(1).TakeWhile(t => t != model.Backbone.Config.EosTokenId).ToList();
                var want = chunk[i].LabelIds.TakeWhile(t => t != model.Backbone.Config.EosTokenId).ToList();
                if (ids.SequenceEqual(want)) correct++;
            }
        }
        return (double)correct / examples.Count;
    }
}
