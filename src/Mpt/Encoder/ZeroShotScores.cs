using Mpt.Training;
using TorchSharp;

namespace Mpt.Encoder;

/// <summary>
/// The "no prompt" baseline of a similarity classifier: the frozen encoder's own mean-pooled, L2-normalised sentence
/// embedding of each input (no prompt rows, positions from 0 as in pretraining) scored against the label descriptions.
/// </summary>
public static class ZeroShotScores
{
    /// <summary>
    /// Scores [row][label] (cosine / τ; labels beyond a row's task hold <see cref="SimilarityVerbalizer.PaddingScore"/>),
    /// in batches without gradients; the verbaliser's task of a row is its <see cref="TrainingExample.TaskId"/>.
    /// </summary>
    public static IReadOnlyList<float[]> Compute(BertModel model, SimilarityVerbalizer verbalizer, long padTokenId,
        IReadOnlyList<TrainingExample> examples, int batchSize = 64)
    {
        bool wasTraining = model.training;
        model.train(false);
        var result = new List<float[]>(examples.Count);
        try
        {
            using var noGrad = torch.no_grad();
            foreach (var chunk in examples.Chunk(batchSize))
            {
                using var scope = torch.NewDisposeScope();
                var inputs = chunk.Select(e => new EncoderInput(e.InputIds, e.TokenTypeIds ?? new long[e.InputIds.Count])).ToList();
                var (ids, mask, types) = EncoderBatch.Pad(inputs, padTokenId).ToTensors();
                var pooled = MeanPooling.Normalized(model.Forward(ids, mask, types).LastHiddenState, mask);
                var taskIds = torch.tensor(chunk.Select(e => (long)e.TaskId).ToArray());
                var scores = verbalizer.Scores(pooled, taskIds).to(torch.float32).cpu();
                for (int i = 0; i < chunk.Length; i++) result.Add(scores[i].data<float>().ToArray());
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return result;
    }

    /// <summary>Index of the largest score (the first one on ties, as torch's argmax).</summary>
    public static int ArgMax(IReadOnlyList<float> scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Count; i++)
            if (scores[i] > scores[best]) best = i;
        return best;
    }
}
