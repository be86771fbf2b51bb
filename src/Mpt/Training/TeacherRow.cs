using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// One example's cached teacher outputs, unpadded (see <see cref="TeacherOutputCache"/>): its scores at its target
/// positions — full (<see cref="Logits"/>, t × V) or as a top-k summary (<see cref="TopK"/>: int32 ids and log-probabilities
/// t × k, tail log-mass t) — and, with the hidden-state term, the compared hidden states of each stack.
/// </summary>
internal sealed record TeacherRow(Tensor? Logits, TeacherTopK? TopK, IReadOnlyList<CachedStack>? Stacks) : IDisposable
{
    /// <summary>Target positions of the row.</summary>
    public long Positions => (Logits ?? TopK!.LogProbs).shape[0];

    /// <summary>Every tensor of the row, in the order <see cref="TeacherRowCodec"/> writes them.</summary>
    public IEnumerable<Tensor> Tensors()
    {
        if (Logits is not null) yield return Logits;
        if (TopK is not null)
        {
            yield return TopK.Ids;
            yield return TopK.LogProbs;
            yield return TopK.TailLogMass;
        }
        foreach (var stack in Stacks ?? [])
        {
            yield return stack.TokenMask;
            foreach (var state in stack.States)
                if (state is not null) yield return state;
        }
    }

    /// <summary>Bytes of the row's tensor values.</summary>
    public long Bytes => Tensors().Sum(t => t.numel() * t.ElementSize);

    /// <summary>The same row with every tensor mapped by <paramref name="map"/> (e.g. copied out of a dispose scope).</summary>
    public TeacherRow Map(Func<Tensor, Tensor> map) => new(
        Logits is null ? null : map(Logits),
        TopK is null ? null : new TeacherTopK(map(TopK.Ids), map(TopK.LogProbs), map(TopK.TailLogMass)),
        Stacks?.Select(s => new CachedStack(s.States.Select(x => x is null ? null : map(x)).ToArray(), map(s.TokenMask), s.PromptLength)).ToList());

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in Tensors()) t.Dispose();
    }
}

/// <summary>One stack's cached hidden states: the layers the loss compares (null for the others), (l + n) × d or t × d each; the real-token mask (n); l.</summary>
internal sealed record CachedStack(Tensor?[] States, Tensor TokenMask, int PromptLength);
