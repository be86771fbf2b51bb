using Mpt.Encoder;
using Mpt.Training;
using TorchSharp;

namespace Mpt.Quickstart;

/// <summary>
/// Accuracy and loss of a similarity classifier over a list of examples, in batches without gradients: with a prompt
/// (<see cref="IPromptedModel"/>) or with none (the zero-shot "no prompt" baseline of docs/data.md's reference run).
/// </summary>
public static class ClassifierScores
{
    /// <summary>Fraction of <paramref name="examples"/> whose argmax label equals their label, with the model's own prompt.</summary>
    public static double Accuracy(IPromptedModel model, IReadOnlyList<TrainingExample> examples, int maxSourceLength, int batchSize = 64)
    {
        model.Train(false);
        var collator = model.CreateCollator(maxSourceLength);
        int correct = 0;
        foreach (var chunk in examples.Chunk(batchSize))
        {
            using var scope = torch.NewDisposeScope();
            var predicted = model.Predict(collator.Collate(chunk), maxNewTokens: 1);
            for (int i = 0; i < chunk.Length; i++)
                if (predicted[i].SequenceEqual(chunk[i].LabelIds)) correct++;
        }
        return Fraction(correct, examples.Count);
    }

    /// <summary>Mean task loss (cross-entropy of the label under the scores) of <paramref name="examples"/> with the model's own prompt.</summary>
    public static double Loss(IPromptedModel model, IReadOnlyList<TrainingExample> examples, int maxSourceLength, int batchSize = 64)
    {
        if (examples.Count == 0) throw new ArgumentException("no examples to score.", nameof(examples));
        model.Train(false);
        var collator = model.CreateCollator(maxSourceLength);
        double total = 0;
        using var noGrad = torch.no_grad();
        foreach (var chunk in examples.Chunk(batchSize))
        {
            using var scope = torch.NewDisposeScope();
            total += PromptTuningObjective.Forward(model, collator.Collate(chunk), outputHiddenStates: false).Loss.item<float>() * chunk.Length;
        }
        return total / examples.Count;
    }

    /// <summary>
    /// Zero-shot accuracy without any prompt: the encoder's own mean-pooled sentence embedding of the input, scored by
    /// cosine against the label descriptions (the verbaliser's task ids are the examples' task ids).
    /// </summary>
    public static double ZeroShotAccuracy(BertModel model, SimilarityVerbalizer verbalizer, long padTokenId,
        IReadOnlyList<TrainingExample> examples, int batchSize = 64)
    {
        var scores = ZeroShotScores.Compute(model, verbalizer, padTokenId, examples, batchSize);
        int correct = examples.Where((e, i) => ZeroShotScores.ArgMax(scores[i]) == e.LabelIds[0]).Count();
        return Fraction(correct, examples.Count);
    }

    /// <summary>Accuracy of always answering the most frequent label of <paramref name="train"/> on <paramref name="test"/>.</summary>
    public static double MajorityAccuracy(IReadOnlyList<LabelledText> train, IReadOnlyList<LabelledText> test)
    {
        if (train.Count == 0) throw new ArgumentException("no training rows to find the majority label in.", nameof(train));
        // Ties go to the lower class index, so the baseline does not depend on row order.
        int majority = train.GroupBy(r => r.Label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        return Fraction(test.Count(r => r.Label == majority), test.Count);
    }

    private static double Fraction(int correct, int count) =>
        count == 0 ? throw new ArgumentException("no examples to score.") : (double)correct / count;
}
