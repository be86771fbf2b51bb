using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Tokenization;

/// <summary>
/// A padded batch as HF's <c>tokenizer(texts, padding=True)</c> returns it: <c>input_ids</c> and
/// <c>attention_mask</c> of shape [BatchSize, SequenceLength], right-padded with the pad id (mask 0 there).
/// Stored flat, row-major, as int64 (the dtype T5's embedding expects).
/// </summary>
public sealed class TokenizedBatch
{
    /// <summary>Creates a batch; the arrays must both hold <paramref name="batchSize"/> × <paramref name="sequenceLength"/> values.</summary>
    public TokenizedBatch(int batchSize, int sequenceLength, long[] inputIds, long[] attentionMask)
    {
        if (inputIds.Length != (long)batchSize * sequenceLength || attentionMask.Length != inputIds.Length)
            throw new ArgumentException($"Expected {batchSize}×{sequenceLength} ids and mask values, got {inputIds.Length} and {attentionMask.Length}.");
        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        InputIds = inputIds;
        AttentionMask = attentionMask;
    }

    /// <summary>Number of rows.</summary>
    public int BatchSize { get; }

    /// <summary>Length of every row (the longest sequence).</summary>
    public int SequenceLength { get; }

    /// <summary>Token ids, row-major [BatchSize, SequenceLength].</summary>
    public long[] InputIds { get; }

    /// <summary>1 for real tokens, 0 for padding, row-major [BatchSize, SequenceLength].</summary>
    public long[] AttentionMask { get; }

    /// <summary>The ids of row <paramref name="row"/> (padding included).</summary>
    public long[] InputIdsRow(int row) => InputIds.AsSpan(row * SequenceLength, SequenceLength).ToArray();

    /// <summary>The mask of row <paramref name="row"/>.</summary>
    public long[] AttentionMaskRow(int row) => AttentionMask.AsSpan(row * SequenceLength, SequenceLength).ToArray();

    /// <summary>The batch as two int64 CPU tensors [BatchSize, SequenceLength] (the caller disposes them).</summary>
    public (Tensor InputIds, Tensor AttentionMask) ToTensors()
    {
        long[] shape = [BatchSize, SequenceLength];
        return (torch.tensor(InputIds, shape, ScalarType.Int64), torch.tensor(AttentionMask, shape, ScalarType.Int64));
    }
}
