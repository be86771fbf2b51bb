using System.Text.Json;
using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Prompts;
using Mpt.Tests.Infrastructure;
using Mpt.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Tests.Evaluation;

/// <summary>
/// A temporary workspace for evaluation tests: a model folder holding a random T5 with the architecture of the first
/// golden model but a vocabulary as large as the golden tokenizer's (golden models have 160-200 ids, the tokenizer
/// 1100, so real text needs a matching embedding table), the golden tokenizer files, and helpers to write data and
/// prompt files. A random model generates arbitrary tokens, which is what the invalid-prediction tests need.
/// </summary>
public sealed class TinyEvaluationWorkspace : IDisposable
{
    public TinyEvaluationWorkspace()
    {
        Root = Directory.CreateTempSubdirectory("mpt-eval-").FullName;
        ModelDir = Path.Combine(Root, "model");
        Directory.CreateDirectory(ModelDir);
        foreach (string file in Directory.GetFiles(GoldenRoot.Combine("tokenizer")))
            File.Copy(file, Path.Combine(ModelDir, Path.GetFileName(file)));
        Tokenizer = T5Tokenizer.FromFolder(ModelDir);

        string golden = GoldenRoot.ModelNames()[0];
        Config = T5Config.FromJsonFile(GoldenRoot.Combine("models", golden, "config.json")) with { VocabSize = Tokenizer.VocabSize };
        torch.manual_seed(20230302);
        Model = new T5ForConditionalGeneration(Config);
        Model.eval();
        var state = Model.state_dict();
        SafetensorsFile.Write(Path.Combine(ModelDir, "model.safetensors"), state);
        File.WriteAllText(Path.Combine(ModelDir, "config.json"), Config.ToJson());
    }

    public string Root { get; }

    public string ModelDir { get; }

    public T5Config Config { get; }

    public T5Tokenizer Tokenizer { get; }

    /// <summary>The random model whose weights are in <see cref="ModelDir"/>.</summary>
    public T5ForConditionalGeneration Model { get; }

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>Writes JSON Lines, one object per row.</summary>
    public string WriteJsonl(string name, IEnumerable<object> rows)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, rows.Select(r => JsonSerializer.Serialize(r)));
        return path;
    }

    public string WriteText(string name, string text)
    {
        string path = PathOf(name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>
    /// Raw RTE examples in the HF glue/rte layout, with sentences of varied lengths (so length bucketing reorders them)
    /// and both labels.
    /// </summary>
    public static IReadOnlyList<Dictionary<string, object?>> RteExamples(int count) =>
        Enumerable.Range(0, count).Select(i => new Dictionary<string, object?>
        {
            ["sentence1"] = string.Join(' ', Enumerable.Repeat("The cat sat on the mat", 1 + i % 4)) + $" number {i}.",
            ["sentence2"] = i % 3 == 0 ? "A cat sat." : "Nobody was there at all today.",
            ["label"] = (long)(i % 2),
            ["idx"] = (long)i,
        }).ToList();

    /// <summary>The formatted rows of <see cref="RteExamples"/> (ATTEMPT format, task prefix on).</summary>
    public static IReadOnlyList<Mpt.Tasks.TextToTextRow> RteRows(Mpt.Tasks.TaskDefinition rte, int count) =>
        RteExamples(count).SelectMany(e => rte.Format(e)).ToList();

    /// <summary>A random soft prompt [l, d] for <see cref="Config"/>.</summary>
    public SoftPrompt RandomSoftPrompt(int length = 3)
    {
        using var init = torch.randn(length, Config.DModel) * 0.5;
        return new SoftPrompt(init);
    }

    /// <summary>A random MPT prompt with <paramref name="tasks"/> task vectors.</summary>
    public MultitaskPrompt RandomMultitaskPrompt(int tasks, int length = 3)
    {
        using var shared = torch.randn(length, Config.DModel) * 0.5;
        using var cols = torch.randn(tasks, length, 1);
        using var rows = torch.randn(tasks, 1, Config.DModel);
        return new MultitaskPrompt(shared, cols, rows);
    }

    /// <summary>Saves a prompt encoder's PEFT tensors as a safetensors file.</summary>
    public string WritePrompt(string name, PromptEncoder prompt)
    {
        string path = PathOf(name);
        var tensors = prompt.PeftTensors();
        SafetensorsFile.Write(path, tensors);
        foreach (var t in tensors.Values) t.Dispose();
        return path;
    }

    public void Dispose()
    {
        Model.Dispose();
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}
