using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// Turns examples into a padded <see cref="PromptBatch"/> with dynamic padding (each batch is padded to its own longest
/// row, as HF's <c>DataCollatorForSeq2Seq</c>), truncating long inputs to <see cref="MaxSourceLength"/> tokens.
/// </summary>
/// <remarks>
/// Truncation keeps the final eos: HF's T5 tokenizer truncates to max_length − 1 tokens and then appends eos, so a
/// truncated input still ends the way the model saw inputs end in pre-training. The paper's max input is 256 (docs/method.md §3).
/// Labels are not truncated unless <see cref="MaxTargetLength"/> is set (ATTEMPT's max target length is task-specific).
/// </remarks>
public sealed class BatchCollator : IBatchCollator
{
    /// <summary>The paper's max input length for T5-Base runs (256; MultiRC 348, MRQA 512).</summary>
    public const int DefaultMaxSourceLength = 256;

    /// <summary>Creates a collator.</summary>
    /// <param name="padTokenId">Pad id of the model (T5: 0).</param>
    /// <param name="eosTokenId">Eos id of the model (T5: 1), kept last when truncating.</param>
    /// <param name="maxSourceLength">Longest encoder input in tokens (prompt rows not counted).</param>
    /// <param name="maxTargetLength">Longest label sequence, or null for no truncation.</param>
    /// <param name="device">Where the batch tensors are created: the model's device (null = CPU), so a CUDA model gets
    /// CUDA batches and the losses never mix devices.</param>
    public BatchCollator(long padTokenId, long eosTokenId, int maxSourceLength = DefaultMaxSourceLength, int? maxTargetLength = null,
                         Device? device = null)
    {
        Device = device;
        if (maxSourceLength < 1) throw new ArgumentOutOfRangeException(nameof(maxSourceLength), $"max source length must be at least 1, got {maxSourceLength}.");
        if (maxTargetLength is < 1) throw new ArgumentOutOfRangeException(nameof(maxTargetLength), $"max target length must be at least 1, got {maxTargetLength}.");
        PadTokenId = padTokenId;
        EosTokenId = eosTokenId;
        MaxSourceLength = maxSourceLength;
        MaxTargetLength = maxTargetLength;
    }

    /// <summary>Device of the collated tensors (null = CPU).</summary>
    public Device? Device { get; }

    /// <summary>Pad id used for input_ids.</summary>
    public long PadTokenId { get; }

    /// <summary>Eos id kept at the end of truncated sequences.</summary>
    public long EosTokenId { get; }

    /// <summary>Longest encoder input.</summary>
    public int MaxSourceLength { get; }

    /// <summary>Longest label sequence (null = unlimited).</summary>
    public int? MaxTargetLength { get; }

    /// <summary>Collates <paramref name="examples"/> into tensors allocated in the caller's dispose scope.</summary>
    /// <exception cref="ArgumentException">No examples, or an example with no input or no label ids (the index is named).</exception>
    public PromptBatch Collate(IReadOnlyList<TrainingExample> examples)
    {
        if (examples.Count == 0) throw new ArgumentException("cannot collate an empty batch.", nameof(examples));
        int b = examples.Count, s = 0, t = 0;
        int maxTarget = MaxTargetLength ?? int.MaxValue;
        for (int i = 0; i < b; i++)
        {
            var e = examples[i];
            if (e.InputIds.Count == 0) throw new ArgumentException($"example {i} (task {e.TaskId}) has no input ids.", nameof(examples));
            if (e.LabelIds.Count == 0) throw new ArgumentException($"example {i} (task {e.TaskId}) has no label ids.", nameof(examples));
            if (e.TaskId < 0) throw new ArgumentException($"example {i} has a negative task id {e.TaskId}.", nameof(examples));
            s = Math.Max(s, Math.Min(e.InputIds.Count, MaxSourceLength));
            t = Math.Max(t, Math.Min(e.LabelIds.Count, maxTarget));
        }
        var ids = new long[b * s];
        var mask = new long[b * s];
        var lab = new long[b * t];
        var tasks = new long[b];
        Array.Fill(ids, PadTokenId);
        Array.Fill(lab, DistillationLosses.IgnoreIndex);
        for (int i = 0; i < b; i++)
        {
            int n = CopyTruncated(examples[i].InputIds, ids.AsSpan(i * s, s));
            mask.AsSpan(i * s, n).Fill(1);
            CopyTruncated(examples[i].LabelIds, lab.AsSpan(i * t, t));
            tasks[i] = examples[i].TaskId;
        }
        return new PromptBatch(
            torch.tensor(ids, [b, s], device: Device), torch.tensor(mask, [b, s], device: Device),
            torch.tensor(lab, [b, t], device: Device), torch.tensor(tasks, [b], device: Device));
    }

    /// <summary>
    /// Copies the first <c>row.Length</c> ids of <paramref name="ids"/> (all of them when shorter) into <paramref name="row"/>;
    /// when cut, the last kept id is the original final eos (if it had one). Returns the ids written.
    /// </summary>
    private int CopyTruncated(IReadOnlyList<long> ids, Span<long> row)
    {
        if (ids.Count <= row.Length)
        {
            TokenIdLists.CopyTo(ids, 0, row[..ids.Count]);
            return ids.Count;
        }
        if (ids[^1] != EosTokenId)
        {
            TokenIdLists.CopyTo(ids, 0, row);
            return row.Length;
        }
        TokenIdLists.CopyTo(ids, 0, row[..^1]);
        row[^1] = EosTokenId;
        return row.Length;
    }
}
