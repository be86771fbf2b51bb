using Mpt.Model;
using Xunit;

namespace Mpt.Tests.Model;

/// <summary>Parsing rules and error messages of <see cref="T5Config"/> (hand-written cases; golden configs are
/// covered by <see cref="T5GoldenTests"/>).</summary>
public sealed class T5ConfigTests
{
    private const string Source = "models/x/config.json";

    /// <summary>A minimal valid config with one field replaced or removed.</summary>
    private static string Json(string? feedForwardProj = "\"relu\"", string? dModel = "32", string extra = "")
    {
        var fields = new List<string> { "\"vocab_size\": 100", "\"d_kv\": 8", "\"d_ff\": 64", "\"num_layers\": 3", "\"num_heads\": 4" };
        if (dModel is not null) fields.Add($"\"d_model\": {dModel}");
        if (feedForwardProj is not null) fields.Add($"\"feed_forward_proj\": {feedForwardProj}");
        if (extra.Length > 0) fields.Add(extra);
        return "{\n  " + string.Join(",\n  ", fields) + "\n}";
    }

    [Theory]
    [InlineData("relu", "relu", false)]
    [InlineData("gated-gelu", "gelu_new", true)]   // HF backwards-compatibility rule
    [InlineData("gated-silu", "silu", true)]
    [InlineData("gelu", "gelu", false)]
    [InlineData("gated-relu", "relu", true)]
    public void Should_Derive_Activation_And_Gating_From_Feed_Forward_Proj(string proj, string act, bool gated)
    {
        var config = T5Config.FromJson(Json($"\"{proj}\""), Source);
        Assert.Equal(act, config.DenseActFn);
        Assert.Equal(gated, config.IsGatedAct);
        Assert.Equal(proj, config.FeedForwardProj);
    }

    [Fact]
    public void Should_Use_HF_Defaults_For_Optional_Fields()
    {
        var config = T5Config.FromJson(Json(feedForwardProj: null, extra: "\"num_decoder_layers\": null, \"unknown_key\": {\"a\": [1]}"), Source);
        Assert.Equal(3, config.NumDecoderLayers); // null -> num_layers
        Assert.Equal("relu", config.FeedForwardProj);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(32, config.RelativeAttentionNumBuckets);
        Assert.Equal(128, config.RelativeAttentionMaxDistance);
        Assert.Equal(1e-6, config.LayerNormEpsilon);
        Assert.Equal(0.1, config.DropoutRate);
        Assert.Equal(0, config.PadTokenId);
        Assert.Equal(1, config.EosTokenId);
        Assert.Null(config.DecoderStartTokenId);
        Assert.Equal(32, config.InnerDim);
        Assert.Contains("decoder_start_token_id", Assert.Throws<InvalidOperationException>(() => config.RequireDecoderStartTokenId()).Message);
    }

    [Fact]
    public void Should_Take_Explicit_Dense_Act_Fn_Over_The_Derived_One_Like_HF()
    {
        // PretrainedConfig sets left-over kwargs after T5Config derived dense_act_fn, so the file wins.
        var config = T5Config.FromJson(Json("\"gated-gelu\"", extra: "\"dense_act_fn\": \"gelu\""), Source);
        Assert.Equal("gelu", config.DenseActFn);
        Assert.True(config.IsGatedAct);
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("gated-foo")]
    [InlineData("fancy-gelu")]
    [InlineData("gated-gelu-new")]
    public void Should_Reject_An_Unsupported_Feed_Forward_Proj_Naming_File_And_Value(string proj)
    {
        var e = Assert.Throws<InvalidDataException>(() => T5Config.FromJson(Json($"\"{proj}\""), Source));
        Assert.StartsWith($"{Source}: unsupported feed_forward_proj '{proj}' (expected relu, gated-gelu", e.Message);
    }

    [Fact]
    public void Should_Report_A_Missing_Required_Field()
    {
        var e = Assert.Throws<InvalidDataException>(() => T5Config.FromJson(Json(dModel: null), Source));
        Assert.Equal($"{Source}: required key 'd_model' is missing.", e.Message);
    }

    [Fact]
    public void Should_Report_A_Field_Of_The_Wrong_Type()
    {
        var e = Assert.Throws<InvalidDataException>(() => T5Config.FromJson(Json(dModel: "\"big\""), Source));
        Assert.Contains($"{Source}: key 'd_model' must be an integer", e.Message);
    }

    [Fact]
    public void Should_Report_Out_Of_Range_Values()
    {
        var e = Assert.Throws<InvalidDataException>(() => T5Config.FromJson(Json(dModel: "0"), Source));
        Assert.Equal($"{Source}: d_model must be positive, got 0.", e.Message);
    }

    [Fact]
    public void Should_Report_Malformed_Json_With_File_And_Line()
    {
        string broken = Json().Replace("\"d_ff\": 64,", "\"d_ff\": 64,,");
        var e = Assert.Throws<InvalidDataException>(() => T5Config.FromJson(broken, Source));
        Assert.StartsWith($"{Source}: not valid JSON (line 4,", e.Message);
    }

    [Fact]
    public void Should_Name_The_File_When_Reading_From_Disk()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mpt-t5config-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, Json("\"swiglu\""));
            var e = Assert.Throws<InvalidDataException>(() => T5Config.FromJsonFile(path));
            Assert.StartsWith($"{path}: unsupported feed_forward_proj 'swiglu'", e.Message);
            var missing = Assert.Throws<FileNotFoundException>(() => T5Config.FromJsonFile(path + ".absent"));
            Assert.Contains(path + ".absent", missing.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Should_List_Lm_Head_Only_When_Untied_And_Bias_Tables_Only_In_Block_Zero()
    {
        var tied = T5Config.FromJson(Json("\"gated-gelu\""), Source);
        var untied = tied with { TieWordEmbeddings = false };

        var tiedKeys = tied.ExpectedStateDictShapes();
        var untiedKeys = untied.ExpectedStateDictShapes();

        Assert.DoesNotContain("lm_head.weight", tiedKeys.Keys);
        Assert.Equal([100L, 32L], untiedKeys["lm_head.weight"]);
        Assert.Equal(tiedKeys.Count + 1, untiedKeys.Count);
        Assert.Equal([32L, 4L], tiedKeys["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"]);
        Assert.Equal(2, tiedKeys.Keys.Count(k => k.Contains("relative_attention_bias")));
        Assert.Equal([64L, 32L], tiedKeys["decoder.block.2.layer.2.DenseReluDense.wi_1.weight"]);
        Assert.DoesNotContain(tiedKeys.Keys, k => k.Contains("embed_tokens"));
    }

    [Fact]
    public void Should_Round_Trip_Through_ToJson()
    {
        var config = T5Config.FromJson(Json("\"gated-gelu\"", extra: "\"decoder_start_token_id\": 0, \"tie_word_embeddings\": false, \"architectures\": [\"T5ForConditionalGeneration\"]"), Source);
        var again = T5Config.FromJson(config.ToJson(), "roundtrip");
        Assert.Equal(config.ToJson(), again.ToJson());
        Assert.False(again.TieWordEmbeddings);
        Assert.Equal(0, again.DecoderStartTokenId);
        Assert.Equal(["T5ForConditionalGeneration"], again.Architectures!);
    }
}
