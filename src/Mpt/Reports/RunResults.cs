using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mpt.Reports;

/// <summary>
/// <c>results.json</c>, the summary of a pipeline run that the report tabulates:
/// <code>
/// {
///   "format_version": 1,
///   "targets": {"rte": {"pt": {MethodResult}, "spot": {…}, "mpt": {…}, "mpt-no-kd": {…}}, "cola": {…}},
///   "stages":  {"teacher": {"wall_clock_s": 5321.4, "steps": 60000}, "distill": {…}, "adapt": {…}},
///   "model":   {"name": "t5-base", "architecture": "…", "fingerprint": "…", "total_params": 222903552},
///   "prompts": {"teachers": {"mnli": "prompts/teacher-mnli.safetensors", …},
///               "multitask": {"path": "prompts/multitask.safetensors", "tasks": ["mnli", …]}},
///   "config":  {… the resolved pipeline config, verbatim …},
///   "numerics": {"mode": "reproducible", "threads": 2, "environment": {"MKL_CBWR": "AVX2", …}},
///   "comparisons": {"rte": {"mpt-pt": {MethodComparison}, "mpt-spot": {…}}, "cola": {…}},
///   "dtype_choice": {"resolved": "bfloat16", "source": "cache", "reason": "…", "float32_gflop_per_s": {…}, …}
/// }
/// </code>
/// Every section is optional, so a partial run (teachers only, one method) still has a valid file.
/// </summary>
/// <param name="FormatVersion">Version of this layout; readers refuse other versions.</param>
/// <param name="Targets">Target task → method → test result; tasks and methods keep file order.</param>
/// <param name="Stages">Stage name → timing.</param>
/// <param name="Model">The backbone.</param>
/// <param name="Prompts">Prompt files for the task-similarity heatmaps.</param>
/// <param name="Config">The resolved configuration of the run, free-form.</param>
/// <param name="Numerics">Which numerics mode ran (docs/reproducibility.md).</param>
/// <param name="Comparisons">Target task → <see cref="MethodComparison.Key"/> → the paired difference of two methods with
/// its bootstrap interval (docs/statistics.md); absent for runs without per-example test predictions.</param>
/// <param name="DtypeChoice">How <c>model.dtype auto</c> was resolved, with the GEMM rates it compared; absent when the
/// config named a dtype (the resolved dtype is in <paramref name="Config"/> either way).</param>
public sealed record RunResults(
    int FormatVersion = RunResults.CurrentFormatVersion,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodResult>>? Targets = null,
    IReadOnlyDictionary<string, StageSummary>? Stages = null,
    ModelSummary? Model = null,
    PromptFiles? Prompts = null,
    JsonObject? Config = null,
    NumericsSummary? Numerics = null,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodComparison>>? Comparisons = null,
    Numerics.DtypeChoice? DtypeChoice = null)
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "results.json";

    /// <summary>The layout version this library writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Writes the results as indented snake_case JSON, atomically (temp file + rename).</summary>
    public void Write(string path)
    {
        Validate(path);
        Mpt.Serialization.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, ReportJson.Indented) + "\n");
    }

    /// <summary>Reads and validates a results file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Malformed JSON or a bad field; the message names the file and the field.</exception>
    public static RunResults Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: results file not found.", path);
        RunResults results;
        try
        {
            results = JsonSerializer.Deserialize<RunResults>(File.ReadAllText(path), ReportJson.Indented)
                      ?? throw new InvalidDataException($"{path}: the file is JSON null, expected an object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid results file ({e.Message}).", e);
        }
        results.Validate(path);
        return results;
    }

    private void Validate(string path)
    {
        if (FormatVersion != CurrentFormatVersion)
            throw new InvalidDataException($"{path}: format_version {FormatVersion}, this library reads {CurrentFormatVersion}.");
        foreach (var (task, methods) in Targets ?? new Dictionary<string, IReadOnlyDictionary<string, MethodResult>>())
            foreach (var (method, result) in methods)
            {
                try { result.Validate(); }
                catch (ArgumentException e) { throw new InvalidDataException($"{path}: targets.{task}.{method}: {e.Message}", e); }
            }
        foreach (var (stage, summary) in Stages ?? new Dictionary<string, StageSummary>())
            if (!double.IsFinite(summary.WallClockS) || summary.WallClockS < 0)
                throw new InvalidDataException($"{path}: stages.{stage}.wall_clock_s must be finite and ≥ 0, got {summary.WallClockS}.");
        if (Numerics is { } numerics && (numerics.Mode is not (NumericsSummary.Reproducible or NumericsSummary.Default) || numerics.Threads < 1))
            throw new InvalidDataException($"{path}: numerics must have mode '{NumericsSummary.Reproducible}' or '{NumericsSummary.Default}' and threads ≥ 1, got '{numerics.Mode}' and {numerics.Threads}.");
        foreach (var (task, pairs) in Comparisons ?? new Dictionary<string, IReadOnlyDictionary<string, MethodComparison>>())
            foreach (var (key, c) in pairs)
                if (string.IsNullOrEmpty(c.A) || string.IsNullOrEmpty(c.B) || c.Resamples < 0 || c.Low > c.High)
                    throw new InvalidDataException($"{path}: comparisons.{task}.{key} needs methods a and b, resamples ≥ 0 and low ≤ high, got a '{c.A}', b '{c.B}', resamples {c.Resamples}, [{c.Low}, {c.High}].");
        if (Prompts?.Multitask is { } multitask && multitask.Tasks.Count == 0)
            throw new InvalidDataException($"{path}: prompts.multitask.tasks is empty; it must name every task of {multitask.Path}.");
    }
}
