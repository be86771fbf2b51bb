using System.Reflection;
using System.Text.Json.Nodes;
using Mpt.Backbones;
using Mpt.Pipeline;

namespace Mpt.Cli.Presets;

/// <summary>
/// The named starting points of a pipeline config (<c>mpt run --preset</c>, <c>mpt quickstart</c>): <c>paper</c> is the
/// record defaults of <see cref="PipelineConfig"/> (the paper's T5-Base recipe); <c>quickstart</c> and
/// <c>quickstart-full</c> are <c>configs/quickstart.json</c> and <c>configs/quickstart-full.json</c>, embedded in this
/// assembly from those very files (so <c>mpt quickstart</c> works from any folder), sized for a small encoder on a CPU.
/// Without <c>--config</c>, a verb picks the preset by the backbone's kind (<see cref="ForModel"/>): the paper's
/// 100-token prompts and 20 epochs per stage are days of CPU time for MiniLM and far more than it needs.
/// </summary>
public static class RunPresets
{
    /// <summary>The paper's recipe: the config records' defaults.</summary>
    public const string Paper = "paper";

    /// <summary>The README quickstart (configs/quickstart.json).</summary>
    public const string Quickstart = "quickstart";

    /// <summary>The complete benchmark (configs/quickstart-full.json).</summary>
    public const string QuickstartFull = "quickstart-full";

    /// <summary>Every preset name, for <c>--preset</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = [Paper, Quickstart, QuickstartFull];

    /// <summary>The preset of a run without <c>--config</c>: <see cref="Quickstart"/> for an encoder (MiniLM, a BERT folder), else <see cref="Paper"/>.</summary>
    /// <param name="modelPath">model.path as the flags give it (null: not given, the paper defaults apply and validation names the key).</param>
    /// <exception cref="ConfigException">The path names no supported model (one line, as validation would say).</exception>
    public static string ForModel(string? modelPath) =>
        modelPath is not null && RunBackbones.IsEncoder(modelPath) ? Quickstart : Paper;

    /// <summary>The preset's JSON text as shipped in configs/ (<c>{}</c> for <see cref="Paper"/>).</summary>
    /// <exception cref="ConfigException">An unknown name.</exception>
    public static string Json(string name)
    {
        if (name == Paper) return "{}";
        if (!Names.Contains(name)) throw new ConfigException($"--preset '{name}' is not a preset; use one of {string.Join(", ", Names)}.");
        using var stream = typeof(RunPresets).Assembly.GetManifestResourceStream(ResourceName(name))
            ?? throw new InvalidOperationException($"preset '{name}' is not embedded in {typeof(RunPresets).Assembly.GetName().Name} (see Mpt.Cli.csproj).");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The manifest resource name of a preset's file (configs/NAME.json).</summary>
    public static string ResourceName(string name) => $"Mpt.Cli.Presets.{name}.json";

    /// <summary>The preset with <paramref name="overrides"/> applied (flag &gt; preset, as flag &gt; file for <c>--config</c>).</summary>
    public static PipelineConfig Load(string name, IEnumerable<KeyValuePair<string, JsonNode?>>? overrides = null) =>
        ConfigJson.Parse(Json(name), $"preset {name}", overrides);

    /// <summary>
    /// The example caps a task given by a flag (<c>--source</c>, <c>--target</c>) takes from the preset: the
    /// <c>max_train_examples</c> and <c>max_dev_examples</c> of the preset's first entry of that list (the quickstart's
    /// are the same for every entry), so that a task named on the command line trains and selects checkpoints at the
    /// preset's cost. <c>max_test_examples</c> is not carried: a test set the user names is scored whole.
    /// </summary>
    /// <param name="name">The preset.</param>
    /// <param name="list"><c>sources</c> or <c>targets</c>.</param>
    public static JsonObject EntryCaps(string name, string list)
    {
        var caps = new JsonObject();
        if (JsonNode.Parse(Json(name))?[list] is JsonArray { Count: > 0 } entries && entries[0] is JsonObject first)
            foreach (string key in new[] { "max_train_examples", "max_dev_examples" })
                if (first[key] is { } value) caps[key] = value.DeepClone();
        return caps;
    }
}
