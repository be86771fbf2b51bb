using Mpt.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// A teacher's output distribution kept on its k most probable tokens plus one lumped bucket for the rest: per target
/// position the k largest log-probabilities log p_v (v ∈ S, the top-k set) at the KL's temperature, their token ids, and
/// the log of the tail mass log P_tail = log Σ_{v ∉ S} p_v. The distribution over S ∪ {tail} is exact; only how the tail
/// mass spreads over its tokens is dropped. <see cref="DistillationLosses.LumpedLogitKl"/> compares a student with it.
/// </summary>
/// <param name="Ids">[..., k] token ids of the top-k set (int64), most probable first.</param>
/// <param name="LogProbs">[..., k] teacher log-probabilities log softmax(z / T) at <see cref="Ids"/> (float32).</param>
/// <param name="TailLogMass">[...] log of the probability outside the top-k set (float32; −∞ when k = V).</param>
public sealed record TeacherTopK(Tensor Ids, Tensor LogProbs, Tensor TailLogMass)
{
    /// <summary>
    /// The top-k summary of <paramref name="logits"/> [..., V] at temperature <paramref name="temperature"/>; k is capped
    /// at V (then the tail is empty). New tensors in the caller's dispose scope.
    /// </summary>
    public static TeacherTopK From(Tensor logits, int k, double temperature)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), $"temperature must be positive, got {temperature}.");
        using var scope = torch.NewDisposeScope();
        var logProbs = torch.nn.functional.log_softmax(logits.detach().to(ScalarType.Float32).Over(temperature), -1); // (..., V)
        var (values, ids) = logProbs.topk((int)Math.Min(k, logits.shape[^1]), dim: -1);                                   // (..., k)
        // log Σ over the tail, taken directly from the tail's log-probabilities (not log(1 − Σ top-k), which cancels
        // catastrophically when the top-k mass is close to 1).
        var tail = logProbs.scatter(-1, ids, torch.full_like(values, float.NegativeInfinity)).logsumexp(-1);                           // (...)
        return new TeacherTopK(ids.MoveToOuterDisposeScope(), values.MoveToOuterDisposeScope(), tail.MoveToOuterDisposeScope());
    }
}
