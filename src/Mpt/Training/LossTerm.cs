using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// One term of an objective's total loss, with what it is normalised by, so that data-parallel ranks that each see a
/// slice of the batch can weight their terms to add up to the loss of the whole batch (see
/// <see cref="DataParallelStep"/>): the total is Σ <see cref="Weight"/> · <see cref="Mean"/> over the terms.
/// </summary>
/// <param name="Part">The logged component this term belongs to (terms of one part add up, e.g. the encoder and decoder hidden losses).</param>
/// <param name="Mean">The term as the objective computes it on its batch: a mean over the nonzero entries of <paramref name="Positions"/>, or a plain sum.</param>
/// <param name="Positions">
/// The mask whose nonzero entries <paramref name="Mean"/> averages over (target tokens, compared positions, one entry per
/// example), or null for a sum (<see cref="LossReduction.Sum"/>), whose slices add up without weighting. Only counted
/// under data parallelism, so a single process does no extra work.
/// </param>
/// <param name="Weight">The term's coefficient in the total (1, or λ of Eq. 5).</param>
public sealed record LossTerm(string Part, Tensor Mean, Tensor? Positions, double Weight = 1.0)
{
    /// <summary>A term reduced with <paramref name="reduction"/> over the nonzero positions of <paramref name="mask"/>.</summary>
    public static LossTerm Reduced(string part, Tensor value, Tensor mask, LossReduction reduction, double weight = 1.0) =>
        new(part, value, reduction == LossReduction.Sum ? null : mask, weight);
}
