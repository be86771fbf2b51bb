using Mpt.Tasks;
using Mpt.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Evaluation;

/// <summary>
/// Turns text-to-text rows into model features (seqio's "feature converter", google/seqio): tasks emit strings, this
/// class owns tokenisation, truncation, padding and the -100 loss mask. It follows ATTEMPT's preprocessing
/// (<c>run_seq2seq.py</c> <c>preprocess_function</c>): sources are tokenised with <c>max_length</c> = max source length
/// and truncation (HF keeps eos as the last token), targets the same way with the max target length, and padded label
/// positions become -100 (<c>ignore_pad_token_for_loss</c>) so the loss and the rank scores ignore them.
/// </summary>
public sealed class T5FeatureConverter
{
    /// <summary>ATTEMPT's and the paper's default max source length (App. A: 256).</summary>
    public const int DefaultMaxSourceLength = 256;

    /// <summary>The label value ignored by the loss (HF / PyTorch cross-entropy <c>ignore_index</c>).</summary>
    public const long IgnoreIndex = -100;

    /// <summary>Creates a converter.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="maxSourceLength">Tokens per source including eos (≥ 2).</param>
    /// <param name="maxTargetLength">Tokens per target including eos (≥ 2), or null for no truncation.</param>
    public T5FeatureConverter(T5Tokenizer tokenizer, int maxSourceLength = DefaultMaxSourceLength, int? maxTargetLength = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (maxSourceLength < 2)
            throw new ArgumentOutOfRangeException(nameof(maxSourceLength), maxSourceLength, "the max source length must be at least 2 (one token plus eos).");
        if (maxTargetLength is < 2)
            throw new ArgumentOutOfRangeException(nameof(maxTargetLength), maxTargetLength, "the max target length must be at least 2 (one token plus eos).");
        Tokenizer = tokenizer;
        MaxSourceLength = maxSourceLength;
        MaxTargetLength = maxTargetLength;
    }

    /// <summary>
    /// A converter for <paramref name="task"/>: for classification tasks (a label list) the max target length is the
    /// longest tokenised label, as ATTEMPT's <c>AbstractTask.get_max_target_length</c>; for free-text tasks it is
    /// <paramref name="freeTextMaxTargetLength"/>.
    /// </summary>
    public static T5FeatureConverter ForTask(TaskDefinition task, T5Tokenizer tokenizer, int maxSourceLength = DefaultMaxSourceLength,
        int? freeTextMaxTargetLength = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        int? target = task.Labels is { Count: > 0 } labels ? LongestLabelLength(tokenizer, labels) : freeTextMaxTargetLength;
        return new T5FeatureConverter(tokenizer, maxSourceLength, target);
    }

    /// <summary>The tokenizer.</summary>
    public T5Tokenizer Tokenizer { get; }

    /// <summary>Max source tokens including eos.</summary>
    public int MaxSourceLength { get; }

    /// <summary>Max target tokens including eos, or null (no truncation).</summary>
    public int? MaxTargetLength { get; }

    /// <summary>Number of tokens (eos included) of the longest of <paramref name="labels"/>.</summary>
    public static int LongestLabelLength(T5Tokenizer tokenizer, IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(labels);
        int longest = 0;
        foreach (string label in labels) longest = Math.Max(longest, tokenizer.Encode(label).Length);
        if (longest == 0) throw new ArgumentException("The label list is empty.", nameof(labels));
        return longest;
    }

    /// <summary>Source ids of one text, truncated to <see cref="MaxSourceLength"/> with eos kept last (HF truncation).</summary>
    public long[] EncodeSource(string text) => Tokenizer.EncodeBatch([text], MaxSourceLength).InputIdsRow(0);

    /// <summary>Target ids of one text, truncated to <see cref="MaxTargetLength"/> (when set) with eos kept last.</summary>
    public long[] EncodeTarget(string text) => Tokenizer.EncodeBatch([text], MaxTargetLength).InputIdsRow(0);

    /// <summary>
    /// Right-pads id rows with <paramref name="padId"/> into input ids [B, S] and attention mask [B, S] (1 = token),
    /// S = longest row. Int64 CPU tensors in the caller's dispose scope.
    /// </summary>
    public static (Tensor InputIds, Tensor AttentionMask) PadInputs(IReadOnlyList<long[]> rows, long padId)
    {
        var (ids, mask, length) = Pad(rows, padId);
        return (torch.tensor(ids, [rows.Count, length], ScalarType.Int64),
                torch.tensor(mask, [rows.Count, length], ScalarType.Int64));
    }

    /// <summary>Right-pads target rows with -100 into labels [B, T], T = longest row (int64 CPU).</summary>
    public static Tensor PadLabels(IReadOnlyList<long[]> rows)
    {
        var (ids, _, length) = Pad(rows, IgnoreIndex);
        return torch.tensor(ids, [rows.Count, length], ScalarType.Int64);
    }

    /// <summary>Features of <paramref name="rows"/>: padded source ids and mask, and -100-padded labels of the targets.</summary>
    public Seq2SeqFeatures Convert(IReadOnlyList<TextToTextRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("No rows to convert.", nameof(rows));
        var (inputIds, mask) = PadInputs(rows.Select(r => EncodeSource(r.Source)).ToList(), Tokenizer.PadId);
        var labels = PadLabels(rows.Select(r => EncodeTarget(r.Target)).ToList());
        return new Seq2SeqFeatures(inputIds, mask, labels);
    }

    private static (long[] Values, long[] Mask, int Length) Pad(IReadOnlyList<long[]> rows, long fill)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("No rows to pad.", nameof(rows));
        int length = rows.Max(r => r.Length);
        var values = new long[rows.Count * length];
        var mask = new long[rows.Count * length];
        for (int b = 0; b < rows.Count; b++)
        {
            for (int t = 0; t < length; t++)
            {
                bool real = t < rows[b].Length;
                values[b * length + t] = real ? rows[b][t] : fill;
                mask[b * length + t] = real ? 1 : 0;
            }
        }
        return (values, mask, length);
    }
}
