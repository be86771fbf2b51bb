using Mpt.Checkpoints;
using Mpt.Data;
using Mpt.Encoder;
using Mpt.Inspection;
using Mpt.Model;
using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Tasks;
using Mpt.Tokenization;
using static TorchSharp.torch;

namespace Mpt.Tests.Fuzz;

/// <summary>
/// Every parser of a file that may come from a stranger (issue 15 item 4), with the exception types that are its
/// documented rejections. <see cref="InvalidDataException"/> is the rejection of model, checkpoint, tokenizer and adapter
/// files; <see cref="NotSupportedException"/> a well-formed file of a variant Mpt does not read (legacy torch.save, a
/// non-unigram SentencePiece model, a LoRA adapter); <see cref="DataFormatException"/> a data file; <see cref="FormatException"/>
/// a task file; <see cref="ConfigException"/> a run config.
/// </summary>
internal static class FuzzTargets
{
    private static readonly Type[] Invalid = [typeof(InvalidDataException)];
    private static readonly Type[] InvalidOrUnsupported = [typeof(InvalidDataException), typeof(NotSupportedException)];

    /// <summary>Total bytes of a state dict's tensors, which are disposed.</summary>
    private static long Consume(Dictionary<string, Tensor> tensors)
    {
        long bytes = tensors.Values.Sum(t => t.NumberOfElements * t.ElementSize);
        foreach (var t in tensors.Values) t.Dispose();
        return bytes;
    }

    /// <summary>Enumerates a result to the end (data rows are read lazily); such parsers build no tensors, so 0.</summary>
    private static long Drain<T>(IEnumerable<T> items)
    {
        foreach (var _ in items) { }
        return 0;
    }

    private static readonly Lazy<IReadOnlyList<FuzzTarget>> All = new(Build);

    /// <summary>The targets by name.</summary>
    public static FuzzTarget Get(string name) => All.Value.Single(t => t.Name == name);

    /// <summary>Every target's name, for the theories.</summary>
    public static IReadOnlyList<string> Names() => [.. All.Value.Select(t => t.Name)];

    private static IReadOnlyList<FuzzTarget> Build()
    {
        var bin = FuzzSeeds.PyTorchBin();
        var safetensorsParts = FuzzSeeds.SafetensorsParts();
        return
        [
            new("safetensors", "model.safetensors", FuzzSeeds.Safetensors(), p => Consume(SafetensorsFile.Read(p)), Invalid),
            // The header JSON mutated and framed with a correct length and the seed's data, so mutations reach the
            // header checks (offsets, shapes, dtypes) instead of stopping at the length field.
            new("safetensors-header", "model.safetensors", [safetensorsParts[1].Header],
                p => Consume(SafetensorsFile.Read(p)), Invalid,
                Frame: header => [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. safetensorsParts[1].Data]),
            new("pytorch-bin", "pytorch_model.bin", bin, p => Consume(PyTorchCheckpointFile.Read(p)), InvalidOrUnsupported,
                TensorBytesPerFileByte: PyTorchCheckpointFile.MaxDeflateRatio),
            // data.pkl mutated inside an intact zip with the seed's storages, so mutations reach the unpickler.
            new("pytorch-pickle", "pytorch_model.bin", [FuzzSeeds.ReadEntry(bin[1], FuzzSeeds.PickleEntry)],
                p => Consume(PyTorchCheckpointFile.Read(p)), InvalidOrUnsupported,
                Frame: pickle => FuzzSeeds.ReplacePickle(bin[1], pickle), TensorBytesPerFileByte: PyTorchCheckpointFile.MaxDeflateRatio),
            new("spiece-model", "spiece.model", FuzzSeeds.SentencePiece(), p => Drain(SentencePieceProcessor.Load(p).EncodeIds("ab c")), InvalidOrUnsupported),
            new("onnx", "model.onnx", FuzzSeeds.Onnx(), p =>
            {
                long bytes = 0;
                foreach (var initializer in OnnxModelFile.Read(p).Initializers.Values)
                {
                    using var t = initializer.ToTensor();
                    bytes += t.NumberOfElements * t.ElementSize;
                }
                return bytes;
            }, Invalid),
            new("t5-config", "config.json", FuzzSeeds.T5ConfigJson(), p => Drain([T5Config.FromJsonFile(p).ParameterCount()]), Invalid),
            new("bert-config", "config.json", FuzzSeeds.BertConfigJson(), p => Drain([BertConfig.FromHfConfigFile(p)]), Invalid),
            // mpt info on a folder whose config.json is mutated and whose weights are a valid tiny T5 (the 1e9 layers case).
            new("t5-folder-info", "config.json", [FuzzSeeds.T5ConfigJson()[0]], p => Drain([ModelFolderSummary.Inspect(Path.GetDirectoryName(p)!)]), Invalid, NamesFolder: true,
                PrepareFolder: FuzzSeeds.WriteTinyT5Folder),
            // A BERT folder (tiny safetensors weights) whose config.json is mutated: the model is built from the config.
            new("bert-folder-config", "config.json", FuzzSeeds.BertConfigJson(), p =>
            {
                var (model, _) = BertHfWeights.Load(Path.GetDirectoryName(p)!);
                model.Dispose();
                return 0;
            }, Invalid, PrepareFolder: FuzzSeeds.WriteTinyBertWeights, NamesFolder: true),
            new("adapter-config", "adapter_config.json", FuzzSeeds.AdapterConfigJson(), p =>
            {
                var adapter = PeftAdapter.Load(Path.GetDirectoryName(p)!);
                adapter.Encoder.Dispose();
                return 0;
            }, InvalidOrUnsupported, PrepareFolder: FuzzSeeds.WriteAdapterFolder, NamesFolder: true),
            new("mpt-model-json", PromptModelFile.FileName, FuzzSeeds.PromptModelJson(), p => Drain([PromptModelFile.Read(Path.GetDirectoryName(p)!)]), Invalid),
            new("t5-tokenizer-config", "tokenizer_config.json", FuzzSeeds.T5TokenizerConfigJson(),
                p => Drain(T5Tokenizer.FromFolder(Path.GetDirectoryName(p)!).Encode("ab c")), Invalid, NamesFolder: true,
                PrepareFolder: dir => File.WriteAllBytes(Path.Combine(dir, "spiece.model"), FuzzSeeds.SentencePiece()[0])),
            new("bert-vocab", "vocab.txt", FuzzSeeds.BertVocab(), p => Drain(WordPieceTokenizer.FromHfFolder(Path.GetDirectoryName(p)!).Tokenize("the cats!")), Invalid, NamesFolder: true,
                PrepareFolder: dir => File.WriteAllBytes(Path.Combine(dir, "tokenizer_config.json"), FuzzSeeds.BertTokenizerConfigJson()[0])),
            new("bert-tokenizer-config", "tokenizer_config.json", FuzzSeeds.BertTokenizerConfigJson(),
                p => Drain(WordPieceTokenizer.FromHfFolder(Path.GetDirectoryName(p)!).Tokenize("the cats!")), Invalid, NamesFolder: true,
                PrepareFolder: dir => File.WriteAllBytes(Path.Combine(dir, "vocab.txt"), FuzzSeeds.BertVocab()[0])),
            new("jsonl", "data.jsonl", FuzzSeeds.Jsonl(), p => Drain(DataFiles.Read(p)), [typeof(DataFormatException)]),
            new("csv", "data.csv", FuzzSeeds.Csv(), p => Drain(DataFiles.Read(p)), [typeof(DataFormatException)]),
            new("parquet", "data.parquet", FuzzSeeds.Parquet(), p => Drain(DataFiles.Read(p)), [typeof(DataFormatException)]),
            new("user-tasks", "tasks.json", FuzzSeeds.UserTasks(), p => Drain(UserTaskFile.Load(p)), [typeof(FormatException)]),
            new("run-config", "run.json", FuzzSeeds.RunConfigs(), p => Drain([ConfigJson.Load(p)]), [typeof(ConfigException)]),
            new("shard-index", HfCheckpoint.SafetensorsIndexName, FuzzSeeds.ShardIndexJson(), p => Drain(ShardIndex.Read(p).ShardFiles), Invalid),
        ];
    }
}
