using System.Text.Json;
using Mpt.Checkpoints;
using Mpt.Encoder;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>
/// A tiny Hugging Face BERT folder written by the test itself: random weights (seeded), a small lower-case vocabulary
/// whose special tokens sit at lines other than BERT-base's 100-103, config.json and tokenizer_config.json as
/// save_pretrained writes them. The state dict can be reshaped before writing to mimic other checkpoint styles.
/// Deleted on dispose.
/// </summary>
internal sealed class TinyBertFolder : IDisposable
{
    /// <summary>[PAD] first, the others after a few unused lines, as in small custom vocabularies.</summary>
    public static readonly string[] Vocabulary =
    [
        "[PAD]", "[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "a", "dog", "un", "##like",
        "##ly", "happy", "!", ",", ".", "'", "s", "t", "c", "##a", "##t", "h", "e", "$", "5",
    ];

    public static readonly BertConfig Config = new()
    {
        VocabSize = Vocabulary.Length, HiddenSize = 16, NumLayers = 2, NumHeads = 4, IntermediateSize = 24, MaxPositions = 32,
        TypeVocabSize = 2, HiddenAct = "gelu_new",
    };

    public TinyBertFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mpt-bert-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A seeded random model of <see cref="Config"/> (biases and LayerNorms randomised too, so every tensor matters).</summary>
    public static BertModel RandomModel(BertConfig? config = null, int seed = 11)
    {
        torch.manual_seed(seed);
        var model = new BertModel(config ?? Config);
        using (torch.no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith(".bias") || name.Contains("LayerNorm")) p.copy_(torch.randn_like(p) * 0.1 + (name.EndsWith("LayerNorm.weight") ? 1.0 : 0.0));
        model.eval();
        return model;
    }

    /// <summary>Copies of the model's parameters by HF name.</summary>
    public static Dictionary<string, Tensor> StateDict(BertModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone(), StringComparer.Ordinal);

    /// <summary>Writes config.json (with <paramref name="edit"/> applied to its keys), vocab.txt and tokenizer_config.json.</summary>
    public TinyBertFolder WriteConfigAndTokenizer(Action<Dictionary<string, object?>>? edit = null, IReadOnlyList<string>? vocabulary = null,
        Action<Dictionary<string, object?>>? editTokenizer = null)
    {
        var config = new Dictionary<string, object?>
        {
            ["architectures"] = new[] { "BertModel" }, ["attention_probs_dropout_prob"] = 0.1, ["hidden_act"] = Config.HiddenAct,
            ["hidden_dropout_prob"] = 0.1, ["hidden_size"] = Config.HiddenSize, ["initializer_range"] = 0.02,
            ["intermediate_size"] = Config.IntermediateSize, ["layer_norm_eps"] = 1e-12, ["max_position_embeddings"] = Config.MaxPositions,
            ["model_type"] = "bert", ["num_attention_heads"] = Config.NumHeads, ["num_hidden_layers"] = Config.NumLayers,
            ["pad_token_id"] = 0, ["position_embedding_type"] = "absolute", ["type_vocab_size"] = Config.TypeVocabSize,
            ["vocab_size"] = Config.VocabSize,
        };
        edit?.Invoke(config);
        System.IO.File.WriteAllText(File("config.json"), JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
        System.IO.File.WriteAllText(File("vocab.txt"), string.Concat((vocabulary ?? Vocabulary).Select(t => t + "\n")));
        var tokenizer = new Dictionary<string, object?>
        {
            ["do_lower_case"] = true, ["strip_accents"] = null, ["tokenize_chinese_chars"] = true, ["model_max_length"] = Config.MaxPositions,
            ["tokenizer_class"] = "BertTokenizer", ["unk_token"] = "[UNK]", ["sep_token"] = "[SEP]", ["pad_token"] = "[PAD]",
            ["cls_token"] = "[CLS]", ["mask_token"] = "[MASK]",
        };
        editTokenizer?.Invoke(tokenizer);
        System.IO.File.WriteAllText(File("tokenizer_config.json"), JsonSerializer.Serialize(tokenizer));
        return this;
    }

    public TinyBertFolder WriteSafetensors(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        SafetensorsFile.Write(File(HfCheckpoint.SafetensorsName), stateDict);
        return this;
    }

    public TinyBertFolder WritePyTorchBin(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        PyTorchCheckpointFile.Write(File(HfCheckpoint.PyTorchName), stateDict);
        return this;
    }

    /// <summary>Two safetensors shards (embeddings / the rest) and their index, as save_pretrained shards.</summary>
    public TinyBertFolder WriteShardedSafetensors(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in stateDict.GroupBy(kv => kv.Key.StartsWith("embeddings.") ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors"))
        {
            SafetensorsFile.Write(File(group.Key), group.ToDictionary(kv => kv.Key, kv => kv.Value));
            foreach (var kv in group) map[kv.Key] = group.Key;
        }
        ShardIndex.Write(File(HfCheckpoint.SafetensorsIndexName), map, stateDict.Values.Sum(t => t.numel() * t.element_size()));
        return this;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* best effort: a leftover temp folder must not fail a test */ }
    }
}
