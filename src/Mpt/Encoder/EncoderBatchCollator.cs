using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Encoder;

/// <summary>
/// Collates classification examples for a BERT backbone: input ids, attention mask and token types [B, S] right-padded
/// to the batch's longest row (HF <c>padding=True</c>), labels [B, 1] = the class index, task ids [B]. Every label is
/// checked against its task's label count, so a bad example fails here with its index instead of inside the loss.
/// </summary>
/// <remarks>
/// Inputs longer than <see cref="MaxLength"/> keep their first MaxLength − 1 ids and their last id, the final [SEP],
/// so a cut input still ends the way BERT saw inputs end in pre-training (tokenize with a max length to get HF's
/// longest-first cut of pairs instead: <see cref="EncoderTrainingExamples.Create"/>).
/// </remarks>
public sealed class EncoderBatchCollator : IBatchCollator
{
    /// <summary>Creates a collator.</summary>
    /// <param name="padTokenId">[PAD] id (0 in BERT vocabularies).</param>
    /// <param name="labelCounts">Number of labels of every task id (see <see cref="SimilarityVerbalizer.LabelCounts"/>).</param>
    /// <param name="maxLength">Longest input in tokens, prompt rows not counted (all-MiniLM-L6-v2 upstream: 256).</param>
    /// <param name="device">Where the batch tensors are created: the model's device (null = CPU).</param>
    public EncoderBatchCollator(long padTokenId, IReadOnlyList<int> labelCounts, int maxLength = 256, Device? device = null)
    {
        Device = device;
        if (labelCounts.Count == 0) throw new ArgumentException("need the label count of at least one task.", nameof(labelCounts));
        if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), $"max length must be at least 2 ([CLS] and [SEP]), got {maxLength}.");
        PadTokenId = padTokenId;
        LabelCounts = labelCounts;
        MaxLength = maxLength;
    }

    /// <summary>Pad id.</summary>
    public long PadTokenId { get; }

    /// <summary>Labels per task id.</summary>
    public IReadOnlyList<int> LabelCounts { get; }

    /// <summary>Longest input.</summary>
    public int MaxLength { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">An example without input ids, with token types of another length, without
    /// exactly one label id, or with a task id or label out of range (the example's index is named).</exception>
    public PromptBatch Collate(IReadOnlyList<TrainingExample> examples)
    {
        if (examples.Count == 0) throw new ArgumentException("cannot collate an empty batch.", nameof(examples));
        int b = examples.Count, s = 0;
        for (int i = 0; i < b; i++)
        {
            var e = examples[i];
            if (e.InputIds.Count == 0) throw new ArgumentException($"example {i} (task {e.TaskId}) has no input ids.", nameof(examples));
            if (e.TokenTypeIds is { } t && t.Count != e.InputIds.Count)
                throw new ArgumentException($"example {i} (task {e.TaskId}) has {e.InputIds.Count} input ids but {t.Count} token types.", nameof(examples));
            if (e.TaskId < 0 || e.TaskId >= LabelCounts.Count)
                throw new ArgumentException($"example {i} has task id {e.TaskId}, but the label sets cover tasks 0..{LabelCounts.Count - 1}.", nameof(examples));
            if (e.LabelIds.Count != 1)
                throw new ArgumentException($"example {i} (task {e.TaskId}) has {e.LabelIds.Count} label ids; a classifier example has exactly one, its class index.", nameof(examples));
            if (e.LabelIds[0] < 0 || e.LabelIds[0] >= LabelCounts[e.TaskId])
                throw new ArgumentException($"example {i} has label {e.LabelIds[0]} but task {e.TaskId} has {LabelCounts[e.TaskId]} labels (0..{LabelCounts[e.TaskId] - 1}).", nameof(examples));
            s = Math.Max(s, Math.Min(e.InputIds.Count, MaxLength));
        }
        var ids = new long[b * s];
        var mask = new long[b * s];
        var typeIds = new long[b * s];
        var labels = new long[b];
        var tasks = new long[b];
        Array.Fill(ids, PadTokenId);
        for (int i = 0; i < b; i++)
        {
            var e = examples[i];
            int n = Math.Min(e.InputIds.Count, MaxLength);
            CopyTruncated(e.InputIds, ids.AsSpan(i * s, n));
            mask.AsSpan(i * s, n).Fill(1);
            // Null token types are all 0 (BERT's default), which the zeroed array already holds.
            if (e.TokenTypeIds is { } types) CopyTruncated(types, typeIds.AsSpan(i * s, n));
            labels[i] = e.LabelIds[0];
            tasks[i] = e.TaskId;
        }
        return new PromptBatch(torch.tensor(ids, [b, s], device: Device), torch.tensor(mask, [b, s], device: Device),
                               torch.tensor(labels, [b, 1], device: Device), torch.tensor(tasks, [b], device: Device))
        {
            TokenTypeIds = torch.tensor(typeIds, [b, s], device: Device),
        };
    }

    /// <summary>Device of the collated tensors (null = CPU).</summary>
    public Device? Device { get; }

    /// <summary>Fills <paramref name="row"/> with the ids, or, when they are longer, their first row.Length − 1 ids and their last.</summary>
    private static void CopyTruncated(IReadOnlyList<long> ids, Span<long> row)
    {
        if (ids.Count == row.Length)
        {
            TokenIdLists.CopyTo(ids, 0, row);
            return;
        }
        TokenIdLists.CopyTo(ids, 0, row[..^1]);
        row[^1] = ids[^1];
    }
}
