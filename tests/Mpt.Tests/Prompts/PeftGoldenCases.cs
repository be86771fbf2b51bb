using System.Text.Json;
using Mpt.Checkpoints;
using Mpt.Prompts;
using Mpt.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Prompts;

/// <summary>
/// Discovers the PEFT golden cases (every <c>peft/&lt;model&gt;/&lt;case&gt;/golden.json</c> under the golden root,
/// docs/testing.md §2.5) and loads their files; no case names are hard-coded.
/// </summary>
internal static class PeftGoldenCases
{
    /// <summary>"&lt;model&gt;/&lt;case&gt;" of every case folder, sorted.</summary>
    public static IReadOnlyList<string> All()
    {
        string root = GoldenRoot.Combine("peft");
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"no PEFT golden folder '{root}'.");
        var folders = Directory.GetDirectories(root).SelectMany(Directory.GetDirectories).ToList();
        var incomplete = folders.Where(d => !File.Exists(Path.Combine(d, "golden.json"))).ToList();
        if (incomplete.Count > 0)
            throw new InvalidDataException($"PEFT golden case folder(s) without golden.json: {string.Join(", ", incomplete)}.");
        return folders
            .Select(d => Path.GetRelativePath(root, d).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The cases whose golden.json satisfies a predicate (e.g. has a source adapter).</summary>
    public static IReadOnlyList<string> Where(Func<JsonElement, bool> predicate) =>
        All().Where(c => predicate(Golden(c))).ToList();

    public static string Folder(string id) => GoldenRoot.Combine("peft", id);

    public static JsonElement Golden(string id) => GoldenTensor.LoadJson(Path.Combine(Folder(id), "golden.json"));

    public static JsonElement Config(string id) => GoldenTensor.LoadJson(Path.Combine(Folder(id), "adapter_config.json"));

    public static string AdapterFile(string id) => Path.Combine(Folder(id), "adapter_model.safetensors");

    /// <summary>Builds the prompt encoder the adapter's <c>peft_type</c> names, from its safetensors file.</summary>
    public static PromptEncoder LoadEncoder(string id)
    {
        string peftType = Config(id).GetProperty("peft_type").GetString()!;
        var tensors = SafetensorsFile.Read(AdapterFile(id));
        try
        {
            return peftType switch
            {
                "MULTITASK_PROMPT_TUNING" => MultitaskPrompt.FromPeftTensors(tensors, AdapterFile(id)),
                "PROMPT_TUNING" => SoftPrompt.FromPeftTensors(tensors, AdapterFile(id)),
                _ => throw new InvalidDataException($"{id}: unexpected peft_type '{peftType}'."),
            };
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The task ids of the golden batch; plain PT golden files have none (every row uses task 0).</summary>
    public static Tensor TaskIds(JsonElement golden)
    {
        var inputs = golden.GetProperty("inputs");
        if (inputs.TryGetProperty("task_ids", out var ids)) return GoldenTensor.ToTensor(ids);
        long batch = GoldenTensor.Shape(inputs.GetProperty("input_ids"))[0];
        return zeros(batch, ScalarType.Int64);
    }

    public static TheoryData<string> AsTheoryData(IEnumerable<string> ids)
    {
        var data = new TheoryData<string>();
        foreach (var id in ids) data.Add(id);
        return data;
    }
}
