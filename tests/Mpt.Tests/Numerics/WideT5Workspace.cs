using System.Text.Json;
using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Tests.Infrastructure;
using Mpt.Tokenization;
using TorchSharp;

namespace Mpt.Tests.Numerics;

/// <summary>
/// A model folder with a random T5 wide enough for libtorch's CPU kernels to take their vectorised paths (d_model 256,
/// d_ff 1024: the matrix products go to MKL's GEMM, the norms and softmaxes to ATen's AVX2/AVX-512 kernels and the exact
/// GELU to oneDNN's; the golden models, d_model 8-32, are mostly scalar tails), the golden tokenizer, one GLUE-shaped source task (mrpc) and a config
/// that trains its teacher prompt for a few steps.
/// </summary>
public sealed class WideT5Workspace : IDisposable
{
    public WideT5Workspace()
    {
        Root = Directory.CreateTempSubdirectory("mpt-numerics-").FullName;
        string modelDir = Path.Combine(Root, "model");
        Directory.CreateDirectory(modelDir);
        foreach (string file in Directory.GetFiles(GoldenRoot.Combine("tokenizer")))
            File.Copy(file, Path.Combine(modelDir, Path.GetFileName(file)));
        var tokenizer = T5Tokenizer.FromFolder(modelDir);
        var config = new T5Config
        {
            VocabSize = tokenizer.VocabSize, DModel = 256, DKv = 64, DFf = 1024, NumLayers = 2, NumDecoderLayers = 2, NumHeads = 4,
            DecoderStartTokenId = 0,
            // Exact GELU (F.gelu), which libtorch runs on oneDNN's CPU kernels, so oneDNN's dispatch is exercised too.
            FeedForwardProj = "gelu", DenseActFn = "gelu",
        };
        torch.manual_seed(20230302);
        using (var model = new T5ForConditionalGeneration(config))
            SafetensorsFile.Write(Path.Combine(modelDir, "model.safetensors"), model.state_dict());
        File.WriteAllText(Path.Combine(modelDir, "config.json"), config.ToJson());

        string data = Path.Combine(Root, "data", "mrpc");
        Directory.CreateDirectory(data);
        File.WriteAllLines(Path.Combine(data, "train.jsonl"), Enumerable.Range(0, 16).Select(Row));
        File.WriteAllLines(Path.Combine(data, "validation.jsonl"), Enumerable.Range(100, 8).Select(Row));

        ConfigPath = Path.Combine(Root, "config.json");
        File.WriteAllText(ConfigPath, $$$"""
        {
          "model": {"path": {{{JsonSerializer.Serialize(modelDir)}}}},
          "sources": [{"task": "mrpc", "data": {{{JsonSerializer.Serialize(data)}}}}],
          "teachers": {"prompt_length": 8, "loop": {"max_steps": 3, "batch_size": 8, "max_source_length": 64, "warmup_steps": 1,
                       "eval_every_steps": 100, "log_every_steps": 1}}
        }
        """);
    }

    public string Root { get; }

    /// <summary>The pipeline config (teachers stage only is meant to run).</summary>
    public string ConfigPath { get; }

    /// <summary>The teacher prompt a run folder holds after <c>mpt teachers</c>.</summary>
    public static string TeacherPrompt(string runDir) => Path.Combine(runDir, "teachers", "mrpc", "adapter", "adapter_model.safetensors");

    private static string Row(int i) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["sentence1"] = $"The company said on day {i} that its {string.Join(' ', Enumerable.Repeat("quarterly", 1 + i % 4))} profit rose.",
        ["sentence2"] = i % 2 == 0 ? $"Profit rose, the company said on day {i}." : "It rained all week in the harbour town.",
        ["label"] = i % 2 == 0 ? 1 : 0,
        ["idx"] = i,
    });

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
