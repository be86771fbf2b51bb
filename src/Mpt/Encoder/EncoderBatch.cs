using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Encoder;

/// <summary>
/// A right-padded batch of <see cref="EncoderInput"/>s as HF's <c>tokenizer(..., padding=True)</c> returns it:
/// <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c>, each [BatchSize, SequenceLength], flat and
/// row-major. Padding positions hold the pad id, mask 0 and token type 0.
/// </summary>
public sealed class EncoderBatch
{
    private EncoderBatch(int batchSize, int sequenceLength, long[] inputIds, long[] attentionMask, long[] tokenTypeIds)
    {
        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        TokenTypeIds = tokenTypeIds;
    }

    /// <summary>Number of rows.</summary>
    public int BatchSize { get; }

    /// <summary>Length of every row (the longest input).</summary>
    public int SequenceLength { get; }

    /// <summary>Token ids, row-major [BatchSize, SequenceLength].</summary>
    public long[] InputIds { get; }

    /// <summary>1 for tokens, 0 for padding.</summary>
    public long[] AttentionMask { get; }

    /// <summary>Segment ids (0 first text, 1 second text, 0 padding).</summary>
    public long[] TokenTypeIds { get; }

    /// <summary>Pads <paramref name="inputs"/> on the right to the longest one with <paramref name="padTokenId"/>.</summary>
    public static EncoderBatch Pad(IReadOnlyList<EncoderInput> inputs, long padTokenId)
    {
        if (inputs.Count == 0) throw new ArgumentException("Cannot build a batch of zero inputs.", nameof(inputs));
        int length = inputs.Max(i => i.InputIds.Count);
        var ids = new long[inputs.Count * length];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        Array.Fill(ids, padTokenId);
        for (int row = 0; row < inputs.Count; row++)
        {
            var input = inputs[row];
            if (input.TokenTypeIds.Count != input.InputIds.Count)
                throw new ArgumentException($"Input {row} has {input.InputIds.Count} ids but {input.TokenTypeIds.Count} token types.", nameof(inputs));
            for (int i = 0; i < input.InputIds.Count; i++)
            {
                ids[row * length + i] = input.InputIds[i];
                mask[row * length + i] = 1;
                types[row * length + i] = input.TokenTypeIds[i];
            }
        }
        return new EncoderBatch(inputs.Count, length, ids, mask, types);
    }

    /// <summary>The batch as three int64 CPU tensors [BatchSize, SequenceLength] (the caller disposes them).</summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) ToTensors()
    {
        long[] shape = [BatchSize, SequenceLength];
        return (torch.tensor(InputIds, shape, ScalarType.Int64),
                torch.tensor(AttentionMask, shape, ScalarType.Int64),
                torch.tensor(TokenTypeIds, shape, ScalarType.Int64));
    }
}
