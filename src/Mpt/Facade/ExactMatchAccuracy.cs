using Mpt.Training;
using TorchSharp;

namespace Mpt;

/// <summary>
/// Accuracy of a prompted model on labelled examples, any backbone: the share of examples whose prediction
/// (<see cref="IPromptedModel.Predict"/>: T5's generated ids up to eos, a classifier's label index) equals their labels.
/// The validation score the facade keeps the best prompt by.
/// </summary>
internal static class ExactMatchAccuracy
{
    public static double Of(IPromptedModel model, IReadOnlyList<TrainingExample> examples, int maxSourceLength, int batchSize)
    {
        if (examples.Count == 0) throw new ArgumentException("no examples to score.", nameof(examples));
        model.Train(false);
        var collator = model.CreateCollator(maxSourceLength);
        // Generation stops at eos; the longest label bounds it (eos included in the label ids).
        int maxNewTokens = examples.Max(e => e.LabelIds.Count);
        int correct = 0;
        foreach (var chunk in examples.Chunk(batchSize))
        {
            using var scope = torch.NewDisposeScope();
            var predicted = model.Predict(collator.Collate(chunk), maxNewTokens);
            for (int i = 0; i < chunk.Length; i++)
                if (predicted[i].SequenceEqual(chunk[i].LabelIds)) correct++;
        }
        return (double)correct / examples.Count;
    }
}
