using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// The task loss (paper Eq. 1, L_PLM, <see cref="PromptTuningObjective"/>) of a prompted model on held-out examples, the
/// mean over examples: a checkpoint-selection signal that, unlike accuracy on a few dozen dev rows, moves with every
/// change of the model's confidence in the gold label, so it rarely ties and does not jump by 1/n (<c>adapt.selection</c>
/// <c>dev_loss</c>, docs/decisions.md).
/// </summary>
public static class DevLoss
{
    /// <summary>Mean L_PLM of <paramref name="model"/> over <paramref name="examples"/>, in eval mode and without gradients.</summary>
    /// <param name="model">The prompted model (left in the mode the caller set; the loop calls it in eval mode).</param>
    /// <param name="examples">Held-out examples with their labels.</param>
    /// <param name="batchSize">Examples per forward pass.</param>
    /// <param name="maxSourceLength">Longest input in tokens, prompt rows not counted.</param>
    /// <exception cref="ArgumentException">No examples, or a batch size below 1.</exception>
    public static double Mean(IPromptedModel model, IReadOnlyList<TrainingExample> examples, int batchSize, int maxSourceLength)
    {
        if (examples.Count == 0) throw new ArgumentException("the dev loss needs at least one example.", nameof(examples));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var collator = model.CreateCollator(maxSourceLength);
        double sum = 0;
        for (int start = 0; start < examples.Count; start += batchSize)
        {
            var rows = examples.Skip(start).Take(batchSize).ToList();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            // The objective's loss is a mean over the batch; weighting by the batch's rows makes the total a mean over examples.
            sum += Numerics.LossValue.Of(PromptTuningObjective.Forward(model, collator.Collate(rows), outputHiddenStates: false).Loss) * rows.Count;
        }
        return sum / examples.Count;
    }
}
