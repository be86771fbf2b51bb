using System.Text.Json;
using Mpt.Tests.Evaluation;

namespace Mpt.Tests.Cli;

/// <summary>
/// A tiny random T5 folder with the golden tokenizer (<see cref="TinyEvaluationWorkspace"/>) plus GLUE-shaped JSONL data
/// (HF field names) for two source tasks (mrpc, cola), the target (rte) and a second target for multi-target runs (superglue-boolq),
/// each a folder with train.jsonl and validation.jsonl, and a pipeline config small enough to run in seconds.
/// </summary>
public sealed class PipelineWorkspace : IDisposable
{
    private readonly TinyEvaluationWorkspace _model = new();

    public PipelineWorkspace()
    {
        WriteTask("mrpc", i => new() { ["sentence1"] = $"The company said {Words(i)} today.", ["sentence2"] = i % 2 == 0 ? $"The company said {Words(i)}." : "It rained.", ["label"] = (long)(i % 2 == 0 ? 1 : 0), ["idx"] = (long)i });
        WriteTask("cola", i => new() { ["sentence"] = i % 2 == 0 ? $"The cat {Words(i)} sat." : $"Sat cat the {Words(i)}.", ["label"] = (long)(i % 2 == 0 ? 1 : 0), ["idx"] = (long)i });
        WriteTask("rte", i => new() { ["sentence1"] = $"A man {Words(i)} walks in the park.", ["sentence2"] = i % 2 == 0 ? "A man walks." : "Nobody is there.", ["label"] = (long)(i % 2), ["idx"] = (long)i });
        WriteTask("superglue-boolq", i => new() { ["question"] = i % 2 == 0 ? "is the film good" : "is the film bad", ["passage"] = $"A {Words(i)} wonderful film.", ["label"] = (long)(i % 2 == 0 ? 1 : 0), ["idx"] = (long)i });
    }

    public string Root => _model.Root;

    public string ModelDir => _model.ModelDir;

    public string PathOf(string name) => _model.PathOf(name);

    public string DataDir(string task) => PathOf(Path.Combine("data", task));

    private static string Words(int i) => string.Join(' ', Enumerable.Range(0, 1 + i % 3).Select(k => new[] { "quickly", "slowly", "often" }[(i + k) % 3]));

    private void WriteTask(string task, Func<int, Dictionary<string, object?>> row)
    {
        _model.WriteJsonl(Path.Combine("data", task, "train.jsonl"), Enumerable.Range(0, 12).Select(i => (object)row(i)));
        _model.WriteJsonl(Path.Combine("data", task, "validation.jsonl"), Enumerable.Range(100, 8).Select(i => (object)row(i)));
    }

    /// <summary>The test config as JSON (l = 4, 4 steps per run, checkpoints every 2 steps).</summary>
    public string ConfigJson(string extra = "")
    {
        string loop = """{"max_steps": 4, "batch_size": 4, "max_source_length": 48, "warmup_steps": 1, "checkpoint_every_steps": 2, "log_every_steps": 1, "backbone_dropout": false}""";
        return $$"""
        {
          "model": {"path": {{JsonSerializer.Serialize(ModelDir)}}},
          "sources": [{"task": "mrpc", "data": {{JsonSerializer.Serialize(DataDir("mrpc"))}}}, {"task": "cola", "data": {{JsonSerializer.Serialize(DataDir("cola"))}}}],
          "targets": [{"task": "rte", "data": {{JsonSerializer.Serialize(DataDir("rte"))}}}],
          "teachers": {"prompt_length": 4, "loop": {{loop}}},
          "distill": {"prompt_length": 4, "loop": {{loop}}},
          "adapt": {"prompt_length": 4, "loop": {{loop}}{{extra}}},
          "evaluate": {"batch_size": 8}
        }
        """;
    }

    public string WriteConfig(string name = "config.json", string extra = "")
    {
        string path = PathOf(name);
        File.WriteAllText(path, ConfigJson(extra));
        return path;
    }

    public void Dispose()
    {
        // MPT_KEEP_CLI_WORKSPACE=DIR copies the workspace there first (to try the CLI by hand on a tiny model).
        if (Environment.GetEnvironmentVariable("MPT_KEEP_CLI_WORKSPACE") is { Length: > 0 } keep && !Directory.Exists(keep))
            foreach (string file in Directory.GetFiles(Root, "*", SearchOption.AllDirectories))
            {
                string to = Path.Combine(keep, Path.GetRelativePath(Root, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }
        _model.Dispose();
    }
}

/// <summary>Model facts the tests need.</summary>
public static class PipelineWorkspaceExtensions
{
    /// <summary>d_model of the workspace model.</summary>
    public static int ModelDim(this PipelineWorkspace ws) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(ws.ModelDir, "config.json"))).RootElement.GetProperty("d_model").GetInt32();
}
