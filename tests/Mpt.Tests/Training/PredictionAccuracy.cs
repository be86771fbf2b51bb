using Mpt.Training;
using TorchSharp;

namespace Mpt.Tests.Training;

/// <summary>
/// Accuracy of any prompted backbone through <see cref="IPromptedModel.Predict"/>: the fraction of examples whose
/// predicted targets equal their label ids exactly (T5: generated ids with eos; a classifier: [class index]).
/// </summary>
internal static class PredictionAccuracy
{
    public static double Of(IPromptedModel model, IReadOnlyList<TrainingExample> examples, int batchSize = 32, int maxNewTokens = 4)
    {
        var collator = model.CreateCollator(BatchCollator.DefaultMaxSourceLength);
        int correct = 0;
        for (int start = 0; start < examples.Count; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var chunk = examples.Skip(start).Take(batchSize).ToList();
            var predicted = model.Predict(collator.Collate(chunk), maxNewTokens);
            for (int i = 0; i < chunk.Count; i++)
                if (predicted[i].SequenceEqual(chunk[i].LabelIds)) correct++;
        }
        return (double)correct / examples.Count;
    }
}
