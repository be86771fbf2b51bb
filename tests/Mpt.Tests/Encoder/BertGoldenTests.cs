using System.Text.Json;
using Mpt.Encoder;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>
/// Hugging Face BERT folders (encoders/*/ under the golden root) loaded with <see cref="BertFolder.Load"/> against
/// HF's slow BertTokenizer and BertModel: ids, masks and token types exactly; last_hidden_state, pooler_output,
/// mean_pooled, hidden_states, the pair outputs and the soft-prompt path within 1e-4 + 1e-4·|want|.
/// Everything is derived from each folder's files and golden.json.
/// </summary>
public sealed class BertGoldenTests
{
    public static TheoryData<string> Folders() => BertGoldenFolders.Theory();

    [Fact]
    public void Should_Find_Golden_Encoder_Folders()
    {
        Assert.NotEmpty(BertGoldenFolders.Names());
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Should_Read_The_Config_And_Special_Token_Ids_Like_Hugging_Face(string name)
    {
        // Given
        string folder = BertGoldenFolders.Folder(name);
        var golden = GoldenTensor.LoadJson(Path.Combine(folder, "golden.json"));
        var want = golden.GetProperty("config");
        var tokens = golden.GetProperty("tokenizer");

        // When
        var config = BertConfig.FromHfConfigFile(Path.Combine(folder, "config.json"));
        var tokenizer = WordPieceTokenizer.FromHfFolder(folder);

        // Then
        Assert.Equal(want.GetProperty("vocab_size").GetInt32(), config.VocabSize);
        Assert.Equal(want.GetProperty("hidden_size").GetInt32(), config.HiddenSize);
        Assert.Equal(want.GetProperty("num_hidden_layers").GetInt32(), config.NumLayers);
        Assert.Equal(want.GetProperty("num_attention_heads").GetInt32(), config.NumHeads);
        Assert.Equal(want.GetProperty("head_size").GetInt32(), config.HeadSize);
        Assert.Equal(want.GetProperty("intermediate_size").GetInt32(), config.IntermediateSize);
        Assert.Equal(want.GetProperty("hidden_act").GetString(), config.HiddenAct);
        Assert.Equal(want.GetProperty("max_position_embeddings").GetInt32(), config.MaxPositions);
        Assert.Equal(want.GetProperty("type_vocab_size").GetInt32(), config.TypeVocabSize);
        Assert.Equal(want.GetProperty("layer_norm_eps").GetDouble(), config.LayerNormEps);
        Assert.Equal(want.GetProperty("pad_token_id").GetInt32(), config.PadTokenId);

        Assert.Equal(tokens.GetProperty("do_lower_case").GetBoolean(), tokenizer.Settings.DoLowerCase);
        Assert.Equal(tokens.GetProperty("tokenize_chinese_chars").GetBoolean(), tokenizer.Settings.TokenizeChineseChars);
        var strip = tokens.GetProperty("strip_accents");
        Assert.Equal(strip.ValueKind == JsonValueKind.Null ? null : strip.GetBoolean(), tokenizer.Settings.StripAccents);
        Assert.Equal(tokens.GetProperty("vocab_size").GetInt32(), tokenizer.VocabularySize);
        Assert.Equal(tokens.GetProperty("pad_token_id").GetInt64(), tokenizer.PadTokenId);
        Assert.Equal(tokens.GetProperty("unk_token_id").GetInt64(), tokenizer.UnkTokenId);
        Assert.Equal(tokens.GetProperty("cls_token_id").GetInt64(), tokenizer.ClsTokenId);
        Assert.Equal(tokens.GetProperty("sep_token_id").GetInt64(), tokenizer.SepTokenId);
        Assert.Equal(tokens.GetProperty("mask_token_id").GetInt64(), tokenizer.MaskTokenId);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Should_Tokenize_Single_Texts_Exactly_Like_BertTokenizer(string name)
    {
        // Given
        string folder = BertGoldenFolders.Folder(name);
        var golden = GoldenTensor.LoadJson(Path.Combine(folder, "golden.json"));
        var texts = Strings(golden, "inputs.texts");
        var tokenizer = WordPieceTokenizer.FromHfFolder(folder);

        // When: tokenizer(texts, padding=True)
        var batch = EncoderBatch.Pad(texts.Select(t => tokenizer.Encode(t, maxLength: int.MaxValue)).ToList(), tokenizer.PadTokenId);

        // Then
        using var scope = NewDisposeScope();
        var (ids, mask, types) = batch.ToTensors();
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "inputs.input_ids"), ids, $"{name} input_ids");
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "inputs.attention_mask"), mask, $"{name} attention_mask");
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "inputs.token_type_ids"), types, $"{name} token_type_ids");
        // and the token strings of every padded row
        var wantTokens = golden.GetProperty("tokenizer").GetProperty("tokens").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(t => t.GetString()!).ToList()).ToList();
        for (int row = 0; row < texts.Count; row++)
        {
            var got = batch.InputIds.Skip(row * batch.SequenceLength).Take(batch.SequenceLength).Select(tokenizer.TokenOf).ToList();
            Assert.Equal(wantTokens[row], got);
        }
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Should_Tokenize_Pairs_Exactly_Like_BertTokenizer(string name)
    {
        // Given
        string folder = BertGoldenFolders.Folder(name);
        var golden = GoldenTensor.LoadJson(Path.Combine(folder, "golden.json"));
        var first = Strings(golden, "pairs.texts_a");
        var second = Strings(golden, "pairs.texts_b");
        var tokenizer = WordPieceTokenizer.FromHfFolder(folder);

        // When: tokenizer(texts_a, texts_b, padding=True)
        var batch = EncoderBatch.Pad(first.Select((a, i) => tokenizer.Encode(a, second[i], int.MaxValue)).ToList(), tokenizer.PadTokenId);

        // Then
        using var scope = NewDisposeScope();
        var (ids, mask, types) = batch.ToTensors();
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "pairs.input_ids"), ids, $"{name} pairs.input_ids");
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "pairs.attention_mask"), mask, $"{name} pairs.attention_mask");
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "pairs.token_type_ids"), types, $"{name} pairs.token_type_ids");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Should_Encode_Like_BertModel(string name)
    {
        // Given
        string folder = BertGoldenFolders.Folder(name);
        var golden = GoldenTensor.LoadJson(Path.Combine(folder, "golden.json"));
        using var loaded = BertFolder.Load(folder);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        bool hasPooler = golden.GetProperty("config").GetProperty("has_pooler").GetBoolean();
        Assert.Equal(hasPooler, loaded.Weights.HasPooler);
        Assert.Equal(hasPooler, golden.GetProperty("outputs").TryGetProperty("pooler_output", out _));

        // When
        var mask = GoldenTensor.ToTensor(golden, "inputs.attention_mask");
        var output = loaded.Model.Forward(GoldenTensor.ToTensor(golden, "inputs.input_ids"), mask, GoldenTensor.ToTensor(golden, "inputs.token_type_ids"));

        // Then
        void Close(string path, Tensor got) => GoldenTensor.AssertClose(GoldenTensor.ToTensor(golden, path), got, BertGoldenFolders.Abs, BertGoldenFolders.Rel, $"{name} {path}");
        Close("outputs.last_hidden_state", output.LastHiddenState);
        Close("outputs.hidden_states", torch.stack(output.HiddenStates));
        Close("outputs.mean_pooled", MeanPooling.Normalized(output.LastHiddenState, mask));
        if (hasPooler) Close("outputs.pooler_output", output.PoolerOutput!);
        else Assert.Null(output.PoolerOutput);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Should_Encode_Pairs_Like_BertModel(string name)
    {
        // Given
        string folder = BertGoldenFolders.Folder(name);
        var golden = GoldenTensor.LoadJson(Path.Combine(folder, "golden.json"));
        using var loaded = BertFolder.Load(folder);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var types = GoldenTensor.ToTensor(golden, "pairs.token_type_ids");
        Assert.True(types.eq(1).any().item<bool>(), "the pairs exercise token type 1");

        // When
        var output = loaded.Model.Forward(GoldenTensor.ToTensor(golden, "pairs.input_ids"), GoldenTensor.ToTensor(golden, "pairs.attention_mask"), types);

        // Then
        GoldenTensor.AssertClose(GoldenTensor.ToTensor(golden, "pairs.last_hidden_state"), output.LastHiddenState, BertGoldenFolders.Abs, BertGoldenFolders.Rel, $"{name} pairs.last_hidden_state");
        if (golden.GetProperty("pairs").TryGetProperty("pooler_output", out var pooled))
            GoldenTensor.AssertClose(GoldenTensor.ToTensor(pooled), output.PoolerOutput!, BertGoldenFolders.Abs, BertGoldenFolders.Rel, $"{name} pairs.pooler_output");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Should_Run_The_Soft_Prompt_Path_Like_Hugging_Face_Inputs_Embeds(string name)
    {
        // Given
        string folder = BertGoldenFolders.Folder(name);
        var golden = GoldenTensor.LoadJson(Path.Combine(folder, "golden.json"));
        using var loaded = BertFolder.Load(folder);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = GoldenTensor.ToTensor(golden, "inputs.input_ids");
        var prompt = GoldenTensor.ToTensor(golden, "inputs.prompt");                                          // (l, D)
        var rows = prompt.unsqueeze(0).expand(ids.shape[0], -1, -1);                                          // (B, l, D)

        // When: the prompted encoder's own input builder, then the model on inputs_embeds
        var (embeds, mask, types) = PromptedEncoder.BuildInput(loaded.Model, ids, GoldenTensor.ToTensor(golden, "inputs.attention_mask"),
            GoldenTensor.ToTensor(golden, "inputs.token_type_ids"), rows);
        var output = loaded.Model.ForwardEmbeddings(embeds, mask, types);

        // Then: the same mask and token types as HF, positions 0..l+S-1 over the whole row (what BertEmbeddings adds)
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "inputs.prompt_attention_mask"), mask, $"{name} prompt_attention_mask");
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "inputs.prompt_token_type_ids"), types, $"{name} prompt_token_type_ids");
        var positions = torch.arange(embeds.shape[1]).unsqueeze(0).expand(ids.shape[0], -1);
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "inputs.prompt_position_ids"), positions, $"{name} prompt_position_ids");
        GoldenTensor.AssertClose(GoldenTensor.ToTensor(golden, "outputs.inputs_embeds_path"), output.LastHiddenState,
            BertGoldenFolders.Abs, BertGoldenFolders.Rel, $"{name} outputs.inputs_embeds_path");
    }

    private static List<string> Strings(JsonElement golden, string path) =>
        GoldenTensor.At(golden, path).EnumerateArray().Select(t => t.GetString()!).ToList();
}
