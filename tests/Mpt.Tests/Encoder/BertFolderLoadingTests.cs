using Mpt.Checkpoints;
using Mpt.Encoder;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>
/// Loading Hugging Face BERT folders that the tests write (<see cref="TinyBertFolder"/>): every weight format and
/// naming style HF accepts gives the source model's outputs, and every broken folder gives one error naming the file
/// and the key.
/// </summary>
public sealed class BertFolderLoadingTests
{
    private static readonly string[] Texts = ["The cat sat on the mat!", "a dog, unlikely happy"];

    /// <summary>last_hidden_state and pooler (when present) of the texts, tokenized by the folder's own tokenizer.</summary>
    private static (Tensor Hidden, Tensor? Pooled) Outputs(BertModel model, WordPieceTokenizer tokenizer)
    {
        var batch = EncoderBatch.Pad(Texts.Select(t => tokenizer.Encode(t)).ToList(), tokenizer.PadTokenId);
        var (ids, mask, types) = batch.ToTensors();
        using var noGrad = torch.no_grad();
        var output = model.Forward(ids, mask, types);
        return (output.LastHiddenState, output.PoolerOutput);
    }

    private static void AssertSameOutputs(BertModel want, BertModel got, WordPieceTokenizer tokenizer, double tolerance = 0)
    {
        var (wantHidden, wantPooled) = Outputs(want, tokenizer);
        var (gotHidden, gotPooled) = Outputs(got, tokenizer);
        GoldenTensor.AssertClose(wantHidden, gotHidden, tolerance, 0, "last_hidden_state");
        Assert.Equal(wantPooled is null, gotPooled is null);
        if (wantPooled is not null) GoldenTensor.AssertClose(wantPooled, gotPooled!, tolerance, 0, "pooler_output");
    }

    [Fact]
    public void Should_Give_The_Same_Outputs_From_Safetensors_Sharded_Safetensors_And_PyTorch_Bin()
    {
        using var scope = NewDisposeScope();
        using var source = TinyBertFolder.RandomModel();
        var state = TinyBertFolder.StateDict(source);
        using var safe = new TinyBertFolder().WriteConfigAndTokenizer().WriteSafetensors(state);
        using var sharded = new TinyBertFolder().WriteConfigAndTokenizer().WriteShardedSafetensors(state);
        using var bin = new TinyBertFolder().WriteConfigAndTokenizer().WritePyTorchBin(state);

        using var fromSafe = BertFolder.Load(safe.Path);
        using var fromSharded = BertFolder.Load(sharded.Path);
        using var fromBin = BertFolder.Load(bin.Path);

        Assert.Equal(safe.File(HfCheckpoint.SafetensorsName), fromSafe.Weights.WeightsPath);
        Assert.Equal(sharded.File(HfCheckpoint.SafetensorsIndexName), fromSharded.Weights.WeightsPath);
        Assert.Equal(bin.File(HfCheckpoint.PyTorchName), fromBin.Weights.WeightsPath);
        Assert.Equal("gelu_new", fromSafe.Model.Config.HiddenAct);
        AssertSameOutputs(source, fromSafe.Model, fromSafe.Tokenizer);
        AssertSameOutputs(source, fromSharded.Model, fromSafe.Tokenizer);
        AssertSameOutputs(source, fromBin.Model, fromSafe.Tokenizer);
        Assert.False(fromSafe.Model.training);
    }

    [Fact]
    public void Should_Load_A_Checkpoint_Saved_From_A_BertFor_Head_And_Report_The_Head_Tensors()
    {
        using var scope = NewDisposeScope();
        using var source = TinyBertFolder.RandomModel();
        var state = TinyBertFolder.StateDict(source).ToDictionary(kv => "bert." + kv.Key, kv => kv.Value);
        // BertForMaskedLM / BertForSequenceClassification heads, and the position_ids buffer older files keep
        state["cls.predictions.bias"] = torch.zeros(TinyBertFolder.Config.VocabSize);
        state["cls.predictions.transform.dense.weight"] = torch.zeros(16, 16);
        state["classifier.weight"] = torch.zeros(2, 16);
        state["bert.embeddings.position_ids"] = torch.arange(TinyBertFolder.Config.MaxPositions).unsqueeze(0);
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer().WritePyTorchBin(state);

        using var loaded = BertFolder.Load(folder.Path);

        AssertSameOutputs(source, loaded.Model, loaded.Tokenizer);
        Assert.True(loaded.Weights.StrippedBertPrefix);
        Assert.Equal(["bert.embeddings.position_ids", "classifier.weight", "cls.predictions.bias", "cls.predictions.transform.dense.weight"],
            loaded.Weights.IgnoredTensors);
        Assert.Contains("cls.predictions.bias", loaded.Weights.ToString());
    }

    [Fact]
    public void Should_Read_Legacy_LayerNorm_Gamma_And_Beta_As_Weight_And_Bias()
    {
        using var scope = NewDisposeScope();
        using var source = TinyBertFolder.RandomModel();
        var state = TinyBertFolder.StateDict(source).ToDictionary(
            kv => kv.Key.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta"), kv => kv.Value);
        Assert.Contains("embeddings.LayerNorm.gamma", state.Keys);
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer().WriteSafetensors(state);

        using var loaded = BertFolder.Load(folder.Path);

        AssertSameOutputs(source, loaded.Model, loaded.Tokenizer);
        Assert.Equal(2 + 4 * TinyBertFolder.Config.NumLayers, loaded.Weights.RenamedTensors.Count);
    }

    [Fact]
    public void Should_Build_The_Model_Without_A_Pooler_When_The_File_Has_None()
    {
        using var scope = NewDisposeScope();
        using var source = TinyBertFolder.RandomModel(TinyBertFolder.Config with { AddPoolingLayer = false });
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer().WriteSafetensors(TinyBertFolder.StateDict(source));

        using var loaded = BertFolder.Load(folder.Path);

        Assert.False(loaded.Weights.HasPooler);
        Assert.False(loaded.Model.Config.AddPoolingLayer);
        AssertSameOutputs(source, loaded.Model, loaded.Tokenizer);
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void Should_Convert_Half_Precision_Weights_To_Float32(ScalarType stored)
    {
        using var scope = NewDisposeScope();
        using var source = TinyBertFolder.RandomModel();
        var halved = TinyBertFolder.StateDict(source).ToDictionary(kv => kv.Key, kv => kv.Value.to(stored));
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer().WriteSafetensors(halved);
        // the source model rounded the same way is what the file holds
        source.LoadWeights(halved.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float32)), "rounded");

        using var loaded = BertFolder.Load(folder.Path);

        Assert.All(loaded.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        AssertSameOutputs(source, loaded.Model, loaded.Tokenizer);
    }

    [Fact]
    public void Should_List_Every_Missing_And_Mis_Shaped_Tensor_In_One_Error_Naming_The_File()
    {
        using var scope = NewDisposeScope();
        using var source = TinyBertFolder.RandomModel();
        var state = TinyBertFolder.StateDict(source);
        state.Remove("encoder.layer.1.intermediate.dense.weight");
        state.Remove("embeddings.token_type_embeddings.weight");
        state["encoder.layer.0.output.dense.weight"] = torch.zeros(16, 8);
        state["encoder.layer.2.output.dense.bias"] = torch.zeros(16); // a third layer the config does not have
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer().WriteSafetensors(state);

        var error = Assert.Throws<InvalidDataException>(() => BertFolder.Load(folder.Path));

        Assert.Contains(folder.File("model.safetensors"), error.Message);
        Assert.Contains("missing [embeddings.token_type_embeddings.weight, encoder.layer.1.intermediate.dense.weight]", error.Message);
        Assert.Contains("unexpected [encoder.layer.2.output.dense.bias]", error.Message);
        Assert.Contains("mis-shaped [encoder.layer.0.output.dense.weight: file [16,8], model [16,24]]", error.Message);
    }

    [Fact]
    public void Should_Refuse_An_Unsupported_Hidden_Act_Naming_The_Value()
    {
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer(c => c["hidden_act"] = "swish");

        var error = Assert.Throws<InvalidDataException>(() => BertFolder.Load(folder.Path));

        Assert.Equal($"{folder.File("config.json")}: hidden_act 'swish' is not supported (expected one of gelu, gelu_new, relu).", error.Message);
    }

    [Theory]
    [InlineData("hidden_size", "required key 'hidden_size' is missing")]
    [InlineData("num_hidden_layers", "required key 'num_hidden_layers' is missing")]
    [InlineData("model_type", "required key 'model_type' is missing")]
    public void Should_Name_A_Missing_Config_Key(string key, string expected)
    {
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer(c => c.Remove(key));

        var error = Assert.Throws<InvalidDataException>(() => BertFolder.Load(folder.Path));

        Assert.StartsWith($"{folder.File("config.json")}: {expected}", error.Message);
    }

    [Theory]
    [InlineData("model_type", "roberta", "model_type 'roberta' is not a BERT config")]
    [InlineData("hidden_size", 30, "hidden_size (30) must be a multiple of num_attention_heads (4)")]
    [InlineData("position_embedding_type", "relative_key", "position_embedding_type 'relative_key' is not supported")]
    [InlineData("layer_norm_eps", "tiny", "key 'layer_norm_eps' must be a number")]
    public void Should_Name_A_Bad_Config_Value(string key, object value, string expected)
    {
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer(c => c[key] = value);

        var error = Assert.Throws<InvalidDataException>(() => BertFolder.Load(folder.Path));

        Assert.StartsWith($"{folder.File("config.json")}: {expected}", error.Message);
    }

    [Fact]
    public void Should_Say_Which_File_Is_Missing()
    {
        using var scope = NewDisposeScope();
        using var source = TinyBertFolder.RandomModel();
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer().WriteSafetensors(TinyBertFolder.StateDict(source));

        File.Delete(folder.File("vocab.txt"));
        var noVocab = Assert.Throws<FileNotFoundException>(() => BertFolder.Load(folder.Path));
        Assert.StartsWith($"{folder.File("vocab.txt")}: not found", noVocab.Message);

        folder.WriteConfigAndTokenizer();
        File.Delete(folder.File("model.safetensors"));
        var noWeights = Assert.Throws<FileNotFoundException>(() => BertFolder.Load(folder.Path));
        Assert.Contains("no model weights found", noWeights.Message);
        Assert.Contains("model.safetensors", noWeights.Message);
    }

    [Fact]
    public void Should_Refuse_A_Vocabulary_That_Does_Not_Match_The_Config_Vocab_Size()
    {
        using var scope = NewDisposeScope();
        using var source = TinyBertFolder.RandomModel();
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer(vocabulary: TinyBertFolder.Vocabulary[..^2])
            .WriteSafetensors(TinyBertFolder.StateDict(source));

        var error = Assert.Throws<InvalidDataException>(() => BertFolder.Load(folder.Path));

        Assert.StartsWith($"the tokenizer {folder.File("vocab.txt")} has {TinyBertFolder.Vocabulary.Length - 2} token ids but the model {folder.File("config.json")} has a vocabulary of {TinyBertFolder.Config.VocabSize} (vocab_size): ", error.Message);
    }

    [Fact]
    public void Should_Refuse_A_Vocabulary_Without_A_Configured_Special_Token()
    {
        var vocabulary = TinyBertFolder.Vocabulary.Select(t => t == "[SEP]" ? "[SEPARATOR]" : t).ToArray();
        using var folder = new TinyBertFolder().WriteConfigAndTokenizer(vocabulary: vocabulary);

        var error = Assert.Throws<InvalidDataException>(() => WordPieceTokenizer.FromHfFolder(folder.Path));

        Assert.Equal($"{folder.File("vocab.txt")}: the sep_token '[SEP]' is not in the vocabulary; BERT tokenization needs it.", error.Message);
    }
}
