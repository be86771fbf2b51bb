using System.Text.Json;
using System.Text.Json.Serialization;
using Mpt.Tests.Infrastructure;
using Mpt.Tokenization;
using Xunit;

namespace Mpt.Tests.Tokenization;

/// <summary>
/// The golden tokenizer set (docs/testing.md §2.4): strings with their Python sentencepiece 0.1.97 and
/// HF T5Tokenizer (slow) outputs, and the HF tokenizer folder they were made with. Resolved through
/// <see cref="GoldenRoot"/>, so <c>MPT_GOLDEN_DIR</c> works.
/// </summary>
public static class TokenizerGolden
{
    /// <summary>One golden string.</summary>
    public sealed record Entry(
        [property: JsonPropertyName("category")] string Category,
        [property: JsonPropertyName("text")] string Text,
        [property: JsonPropertyName("sp_ids")] int[] SpIds,
        [property: JsonPropertyName("sp_pieces")] string[] SpPieces,
        [property: JsonPropertyName("sp_decoded")] string SpDecoded,
        [property: JsonPropertyName("hf_tokens")] string[] HfTokens,
        [property: JsonPropertyName("hf_ids")] int[] HfIds,
        [property: JsonPropertyName("hf_decoded")] string HfDecoded,
        [property: JsonPropertyName("hf_decoded_skip_special")] string HfDecodedSkipSpecial,
        [property: JsonPropertyName("hf_ids_legacy_false")] int[] HfIdsLegacyFalse);

    /// <summary><c>batch_example</c>.</summary>
    public sealed record Batch(
        [property: JsonPropertyName("texts")] string[] Texts,
        [property: JsonPropertyName("input_ids")] long[][] InputIds,
        [property: JsonPropertyName("attention_mask")] long[][] AttentionMask);

    /// <summary>The fields of <c>meta</c> the tests use.</summary>
    public sealed record Meta(
        [property: JsonPropertyName("sp_piece_size")] int SpPieceSize,
        [property: JsonPropertyName("extra_ids")] int ExtraIds,
        [property: JsonPropertyName("hf_len_tokenizer")] int HfLenTokenizer,
        [property: JsonPropertyName("pad_id")] int PadId,
        [property: JsonPropertyName("eos_id")] int EosId,
        [property: JsonPropertyName("unk_id")] int UnkId,
        [property: JsonPropertyName("extra_id_examples")] Dictionary<string, int> ExtraIdExamples);

    private sealed record File(
        [property: JsonPropertyName("meta")] Meta Meta,
        [property: JsonPropertyName("batch_example")] Batch BatchExample,
        [property: JsonPropertyName("entries")] Entry[] Entries);

    private static readonly Lazy<File> Loaded = new(() =>
        JsonSerializer.Deserialize<File>(System.IO.File.ReadAllBytes(GoldenRoot.Combine("tokenizer_golden.json")))
        ?? throw new InvalidDataException("tokenizer_golden.json is empty."));

    private static readonly Lazy<T5Tokenizer> LegacyTokenizer = new(() => T5Tokenizer.FromFolder(FolderPath));
    private static readonly Lazy<T5Tokenizer> NonLegacyTokenizer = new(() => T5Tokenizer.FromFolder(FolderPath, legacy: false));

    /// <summary>The golden HF tokenizer folder.</summary>
    public static string FolderPath => GoldenRoot.Combine("tokenizer");

    /// <summary>Every entry, in file order.</summary>
    public static IReadOnlyList<Entry> Entries => Loaded.Value.Entries;

    /// <summary>The batch example.</summary>
    public static Batch BatchExample => Loaded.Value.BatchExample;

    /// <summary>The meta block.</summary>
    public static Meta Metadata => Loaded.Value.Meta;

    /// <summary>The golden folder loaded as HF loads it (legacy = true from its config).</summary>
    public static T5Tokenizer Tokenizer => LegacyTokenizer.Value;

    /// <summary>The golden folder loaded with <c>legacy=False</c>.</summary>
    public static T5Tokenizer TokenizerLegacyFalse => NonLegacyTokenizer.Value;

    /// <summary>(entry index, category) for every entry: one xunit case each.</summary>
    public static TheoryData<int, string> EntryCases()
    {
        var data = new TheoryData<int, string>();
        for (int i = 0; i < Entries.Count; i++) data.Add(i, Entries[i].Category);
        return data;
    }
}
