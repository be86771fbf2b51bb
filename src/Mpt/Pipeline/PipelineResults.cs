using System.Text.Json;
using System.Text.Json.Serialization;
using Mpt.Training;

namespace Mpt.Pipeline;

/// <summary>Mean ± sample standard deviation over seeds.</summary>
public sealed record ScoreStat(double Mean, double Std, IReadOnlyList<double> Scores)
{
    /// <summary>The statistic of <paramref name="scores"/> (std with n − 1, 0 for one score; <see cref="ScoreSummary"/>).</summary>
    public static ScoreStat Of(IReadOnlyList<double> scores)
    {
        var s = ScoreSummary.Of(scores);
        return new ScoreStat(s.Mean, s.Std, scores);
    }
}

/// <summary>The test results of one method on one target.</summary>
/// <param name="Score">ATTEMPT's average_metrics (mean of the task's metrics, percent) over seeds.</param>
/// <param name="Metrics">Each metric over seeds.</param>
/// <param name="Seeds">The seeds, in the order of the scores.</param>
/// <param name="FewShot">k when few-shot, else null.</param>
/// <param name="TrainExamples">Training examples per seed.</param>
/// <param name="Parameters">Parameter accounting of the trained prompt (of the first seed).</param>
/// <param name="WallClockSeconds">Training and evaluation time summed over seeds.</param>
public sealed record MethodResult(ScoreStat Score, IReadOnlyDictionary<string, ScoreStat> Metrics, IReadOnlyList<ulong> Seeds,
    int? FewShot, int TrainExamples, ParameterReport? Parameters, double WallClockSeconds);

/// <summary>Contents of <c>results.json</c>.</summary>
/// <param name="Model">The backbone folder.</param>
/// <param name="Targets">target → method → result (methods: mpt, mpt*, pt, spot; ablations as mpt-shared_only ...).</param>
/// <param name="StageSeconds">Wall clock per stage (teachers, distill, adapt).</param>
/// <param name="SourceParameters">Parameter accounting of the teachers ("teacher:TASK") and the distilled prompt ("distill").</param>
public sealed record PipelineResults(string Model, IReadOnlyDictionary<string, IReadOnlyDictionary<string, MethodResult>> Targets,
    IReadOnlyDictionary<string, double> StageSeconds, IReadOnlyDictionary<string, ParameterReport> SourceParameters)
{
    /// <summary>snake_case, indented.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>As JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a results file.</summary>
    public static PipelineResults Read(string path) =>
        JsonSerializer.Deserialize<PipelineResults>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty results.");
}
