using System.IO.Compression;
using System.Text;
using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Tests.Encoder;
using Parquet.Schema;
using Parquet.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Tests.Fuzz;

/// <summary>
/// The seed corpus: small valid inputs of every parsed format, built by the writers of this library (or by hand where
/// the library only reads the format), so the corpus follows the code and holds no third-party files. Kept tiny on
/// purpose: the cost of one fuzz execution is proportional to the input.
/// </summary>
internal static class FuzzSeeds
{
    /// <summary>A T5 small enough for a header-only folder check: d_model 8, one layer each side, vocabulary 16.</summary>
    public static readonly T5Config TinyT5 = T5Config.FromJson("""
        {"vocab_size": 16, "d_model": 8, "d_kv": 4, "d_ff": 12, "num_layers": 1, "num_decoder_layers": 1, "num_heads": 2,
         "relative_attention_num_buckets": 8, "relative_attention_max_distance": 16, "feed_forward_proj": "relu",
         "decoder_start_token_id": 0, "model_type": "t5"}
        """);

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Bytes of a file a writer produced in a scratch folder.</summary>
    private static byte[] Written(string name, Action<string> write)
    {
        string dir = Directory.CreateTempSubdirectory("mpt-fuzz-seed-").FullName;
        try
        {
            string path = Path.Combine(dir, name);
            write(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Small state dicts covering every dtype the readers accept, an empty tensor and a scalar.</summary>
    private static Dictionary<string, Tensor> StateDict(int variant) => variant switch
    {
        0 => new() { ["a.weight"] = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3), ["b"] = torch.tensor(new long[] { 1, 2 }) },
        1 => new()
        {
            ["h"] = torch.ones(3, dtype: ScalarType.Float16), ["bf"] = torch.ones(2, 2, dtype: ScalarType.BFloat16),
            ["d"] = torch.tensor(new double[] { 0.5 }), ["i"] = torch.tensor(new int[] { 7, 8 }), ["u"] = torch.tensor(new byte[] { 1 }),
            ["m"] = torch.tensor(new bool[] { true, false }), ["s"] = torch.tensor(3.0f), ["e"] = torch.empty(0, 4),
        },
        _ => new() { ["x"] = torch.tensor(new short[] { -1, 2, 3 }), ["y"] = torch.tensor(new sbyte[] { -5 }) },
    };

    private static byte[] WithStateDict(int variant, string name, Action<string, Dictionary<string, Tensor>> write)
    {
        var tensors = StateDict(variant);
        try { return Written(name, path => write(path, tensors)); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    public static IReadOnlyList<byte[]> Safetensors() =>
        [.. Enumerable.Range(0, 3).Select(v => WithStateDict(v, "model.safetensors", (p, t) => SafetensorsFile.Write(p, t)))];

    /// <summary>The header JSON of each safetensors seed (for the framed target) and its data section.</summary>
    public static IReadOnlyList<(byte[] Header, byte[] Data)> SafetensorsParts() =>
        [.. Safetensors().Select(file =>
        {
            int length = (int)BitConverter.ToUInt64(file, 0);
            return (file[8..(8 + length)], file[(8 + length)..]);
        })];

    public static IReadOnlyList<byte[]> PyTorchBin() =>
        [.. Enumerable.Range(0, 3).Select(v => WithStateDict(v, "pytorch_model.bin", (p, t) => PyTorchCheckpointFile.Write(p, t)))];

    /// <summary>The entry name of the pickle inside a torch.save zip archive.</summary>
    public static string PickleEntry(ZipArchive zip) => zip.Entries.First(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal)).FullName;

    public static byte[] ReadEntry(byte[] zipBytes, Func<ZipArchive, string> name)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        using var s = zip.GetEntry(name(zip))!.Open();
        using var copy = new MemoryStream();
        s.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The archive <paramref name="zipBytes"/> with its data.pkl replaced by <paramref name="pickle"/>.</summary>
    public static byte[] ReplacePickle(byte[] zipBytes, byte[] pickle)
    {
        using var source = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        string pickleName = PickleEntry(source);
        var output = new MemoryStream();
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                var copy = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression);
                using var to = copy.Open();
                if (entry.FullName == pickleName) to.Write(pickle);
                else
                {
                    using var from = entry.Open();
                    from.CopyTo(to);
                }
            }
        }
        return output.ToArray();
    }

    /// <summary>A tiny SentencePiece unigram model in T5's layout: pad, eos, unk, then a few pieces.</summary>
    public static IReadOnlyList<byte[]> SentencePiece()
    {
        static byte[] Piece(string text, float score, int type) =>
            OnnxProtoWriter.Bytes(1, [.. OnnxProtoWriter.Text(1, text), .. OnnxProtoWriter.Tag(2, 5), .. BitConverter.GetBytes(score), .. OnnxProtoWriter.VarintField(3, type)]);
        string[] pieces = ["\u2581", "a", "b", "\u2581a", "ab", "c", "\u2581b"];
        byte[] vocabulary =
        [
            .. Piece("<pad>", 0, 3), .. Piece("</s>", 0, 3), .. Piece("<unk>", 0, 2),
            .. pieces.SelectMany((p, i) => Piece(p, -1 - i, 1)),
        ];
        byte[] trainer = OnnxProtoWriter.Bytes(2, [.. OnnxProtoWriter.VarintField(3, 1), .. OnnxProtoWriter.Text(44, " \u2047 ")]);
        byte[] normalizer = OnnxProtoWriter.Bytes(3,
            [.. OnnxProtoWriter.Text(1, "identity"), .. OnnxProtoWriter.VarintField(3, 1), .. OnnxProtoWriter.VarintField(4, 1), .. OnnxProtoWriter.VarintField(5, 1)]);
        return [[.. vocabulary, .. trainer, .. normalizer], [.. vocabulary]];
    }

    public static IReadOnlyList<byte[]> Onnx() =>
    [
        OnnxProtoWriter.ModelProto(
            [OnnxProtoWriter.Node("MatMul", ["x", "w"], ["y"]), OnnxProtoWriter.Node("Gemm", ["y", "w2", "b"], ["z"], ("transB", 1))],
            [OnnxProtoWriter.FloatTensor("w", [2, 3], [1, 2, 3, 4, 5, 6]), OnnxProtoWriter.FloatTensorTyped("w2", [3], [1, 2, 3]),
             OnnxProtoWriter.Int64Tensor("b", [2], [4, 5])]),
        OnnxProtoWriter.ModelProto([OnnxProtoWriter.Node("Add", ["p", "q"], ["r"])], [OnnxProtoWriter.FloatTensor("p", [1], [1])]),
    ];

    public static IReadOnlyList<byte[]> T5ConfigJson() =>
    [
        Utf8(TinyT5.ToJson()),
        Utf8(TinyT5 with { FeedForwardProj = "gated-gelu", DenseActFn = "gelu_new", IsGatedAct = true, TieWordEmbeddings = false } is var g ? g.ToJson() : ""),
    ];

    public static IReadOnlyList<byte[]> BertConfigJson() =>
    [
        Utf8("""
            {"architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
             "hidden_size": 8, "initializer_range": 0.02, "intermediate_size": 12, "layer_norm_eps": 1e-12,
             "max_position_embeddings": 16, "model_type": "bert", "num_attention_heads": 2, "num_hidden_layers": 1,
             "pad_token_id": 0, "position_embedding_type": "absolute", "type_vocab_size": 2, "vocab_size": 30}
            """),
    ];

    /// <summary>model.safetensors of a BERT with the config of <see cref="BertConfigJson"/> (zeros; the values do not matter).</summary>
    public static void WriteTinyBertWeights(string folder)
    {
        var config = Mpt.Encoder.BertConfig.FromHfJson(Encoding.UTF8.GetString(BertConfigJson()[0]));
        using var model = new Mpt.Encoder.BertModel(config);
        var tensors = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone(), StringComparer.Ordinal);
        try { SafetensorsFile.Write(Path.Combine(folder, HfCheckpoint.SafetensorsName), tensors); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    /// <summary>A random state dict with exactly the shapes <see cref="TinyT5"/> expects (for the mpt info folder).</summary>
    public static void WriteTinyT5Folder(string folder)
    {
        var tensors = TinyT5.ExpectedStateDictShapes().ToDictionary(kv => kv.Key, kv => torch.zeros(kv.Value));
        try { SafetensorsFile.Write(Path.Combine(folder, HfCheckpoint.SafetensorsName), tensors); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    /// <summary>An MPT adapter folder of <see cref="TinyT5"/> (adapter_model.safetensors and adapter_config.json).</summary>
    public static void WriteAdapterFolder(string folder)
    {
        using var shared = torch.randn(3, TinyT5.DModel);
        using var cols = torch.randn(2, 3, 1);
        using var rows = torch.randn(2, 1, TinyT5.DModel);
        using var prompt = new MultitaskPrompt(shared, cols, rows);
        PeftAdapter.Save(folder, prompt, TinyT5, "t5-tiny");
    }

    public static IReadOnlyList<byte[]> AdapterConfigJson()
    {
        string dir = Directory.CreateTempSubdirectory("mpt-fuzz-seed-").FullName;
        try
        {
            WriteAdapterFolder(dir);
            return [File.ReadAllBytes(Path.Combine(dir, "adapter_config.json"))];
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    public static IReadOnlyList<byte[]> PromptModelJson()
    {
        string dir = Directory.CreateTempSubdirectory("mpt-fuzz-seed-").FullName;
        try
        {
            PromptModelFile.Write(dir, new ModelFingerprint(ModelArchitecture.From(TinyT5), new string('a', 64), "sha256"));
            return [File.ReadAllBytes(Path.Combine(dir, PromptModelFile.FileName))];
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    public static IReadOnlyList<byte[]> T5TokenizerConfigJson() =>
    [
        Utf8("""
            {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>", "extra_ids": 3, "legacy": false,
             "add_prefix_space": true, "clean_up_tokenization_spaces": true, "model_max_length": 512,
             "added_tokens_decoder": {"0": {"content": "<pad>", "lstrip": false, "rstrip": false, "single_word": false, "special": true},
              "1": {"content": "</s>", "special": true}, "2": {"content": "<unk>", "special": true},
              "10": {"content": "<extra_id_2>", "lstrip": true, "rstrip": true, "single_word": false, "special": true},
              "11": {"content": "<extra_id_1>", "lstrip": true, "rstrip": true}, "12": {"content": "<extra_id_0>", "lstrip": true, "rstrip": true}}}
            """),
        Utf8("""{"eos_token": {"content": "</s>"}, "extra_ids": 0}"""),
    ];

    public static readonly string[] BertVocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "##s", "a", "!"];

    public static IReadOnlyList<byte[]> BertVocab() =>
        [Utf8(string.Concat(BertVocabulary.Select(t => t + "\n"))), Utf8(string.Join("\r\n", BertVocabulary))];

    public static IReadOnlyList<byte[]> BertTokenizerConfigJson() =>
    [
        Utf8("""
            {"do_lower_case": true, "strip_accents": null, "tokenize_chinese_chars": true, "model_max_length": 512,
             "tokenizer_class": "BertTokenizer", "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
             "cls_token": "[CLS]", "mask_token": "[MASK]"}
            """),
    ];

    public static IReadOnlyList<byte[]> Jsonl() =>
    [
        Utf8("""
            {"sentence": "a fine film", "label": 1, "idx": 0}
            {"sentence": "dull", "label": 0, "idx": 1, "extra": [1.5, null, true, {"k": "v"}]}

            """),
    ];

    public static IReadOnlyList<byte[]> Csv() =>
        [Utf8("p,h,gold\nA cat.,An animal.,entailment\n\"A \"\"quoted\"\", multi\nline\",x,neutral\r\n")];

    public static IReadOnlyList<byte[]> Parquet() =>
    [
        Written("data.parquet", path =>
        {
            var schema = new ParquetSchema(new DataField<string>("sentence"), new DataField<long>("label"), new DataField<double?>("score"));
            var rows = Enumerable.Range(0, 3).Select(i => (IDictionary<string, object?>)new Dictionary<string, object?>
            {
                ["sentence"] = $"s{i}", ["label"] = (long)i, ["score"] = i == 1 ? null : i * 0.5,
            }).ToList();
            using var s = File.Create(path);
            ParquetSerializer.SerializeUntypedAsync(rows, schema, s).GetAwaiter().GetResult();
        }),
    ];

    public static IReadOnlyList<byte[]> UserTasks() =>
    [
        Utf8("""
            {"tasks": [{
              "name": "my-nli", "prefix": "nli",
              "template": [["premise:", "p"], ["hypothesis:", "h"]],
              "label_field": "gold", "label_map": {"entailment": "0", "neutral": "1"},
              "metrics": ["accuracy", "f1_macro"], "split_rule": "small",
              "fields": {"p": "string", "h": "string", "gold": "string"}
            }]}
            """),
        Utf8("""{"name": "t", "template": [["a:", "a"]], "labels": ["x", "y"], "metrics": ["accuracy"], "fields": {"a": "string", "label": "integer"}}"""),
    ];

    /// <summary>The repository's own run configs (configs/*.json but the quickstart presets, which have another schema),
    /// found from the test binary's folder upwards.</summary>
    public static IReadOnlyList<byte[]> RunConfigs()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Mpt.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("Mpt.slnx not found above the test binaries.");
        return [.. Directory.GetFiles(Path.Combine(dir.FullName, "configs"), "*.json")
            .Where(f => !Path.GetFileName(f).StartsWith("quickstart", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
    }

    public static IReadOnlyList<byte[]> ShardIndexJson() =>
    [
        Utf8("""
            {"metadata": {"total_size": 48}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
             "b": "model-00002-of-00002.safetensors"}}
            """),
    ];
}
