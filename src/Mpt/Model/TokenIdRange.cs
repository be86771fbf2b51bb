using static TorchSharp.torch;

namespace Mpt.Model;

/// <summary>
/// Checks token ids where they enter a model's embedding table. libtorch's <c>index_select</c> would reject an id past
/// the table with a bare "index out of range in self" and a native stack trace; this names the id and the vocabulary,
/// which is what a user needs to see that the tokenizer (or an id file) does not belong to the model. Two reductions
/// over the (B, S) ids per call, negligible next to the forward pass.
/// </summary>
internal static class TokenIdRange
{
    /// <summary>Throws unless every id of <paramref name="ids"/> is in [0, <paramref name="vocabularySize"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is negative or not below the vocabulary size.</exception>
    public static void Check(Tensor ids, long vocabularySize, string model)
    {
        if (ids.numel() == 0) return;
        using var scope = NewDisposeScope();
        long max = ids.max().item<long>();
        long min = ids.min().item<long>();
        if (min < 0 || max >= vocabularySize)
            throw new ArgumentOutOfRangeException(nameof(ids),
                $"token id {(min < 0 ? min : max)} is outside the {model} vocabulary [0, {vocabularySize}) (vocab_size): " +
                "the ids were not made by this model's tokenizer.");
    }
}
