using System.Text.Json;
using System.Text.Json.Serialization;
using Mpt.Training;

namespace Mpt.Pipeline;

/// <summary>One line of <c>metrics.jsonl</c>: a logged training step of one run of the pipeline.</summary>
/// <param name="Stage">teachers, distill or adapt.</param>
/// <param name="Task">The task (a source or target), or "all" for runs over several tasks.</param>
/// <param name="Method">Target method (mpt, pt, spot, ...) or null.</param>
/// <param name="Seed">Loop seed of the run.</param>
/// <param name="Step">Updates done.</param>
/// <param name="TotalSteps">Planned updates.</param>
/// <param name="Loss">Total loss of the step.</param>
/// <param name="Losses">Loss terms (task, kl, hidden, ...).</param>
/// <param name="Lr">Learning rate per trained group.</param>
/// <param name="DevScore">Dev average metric after this step, when evaluated.</param>
/// <param name="TokensPerSecond">Estimate: batch size × mean example tokens / step time.</param>
/// <param name="StepMs">Wall time of the step.</param>
/// <param name="ElapsedSeconds">Wall time of the run so far (including earlier processes when resumed).</param>
public sealed record MetricsLine(string Stage, string Task, string? Method, ulong Seed, long Step, long TotalSteps, double Loss,
    IReadOnlyDictionary<string, double> Losses, IReadOnlyDictionary<string, double> Lr, double? DevScore,
    double TokensPerSecond, double StepMs, double ElapsedSeconds);

/// <summary>Appends <see cref="MetricsLine"/>s to a JSON Lines file (flushed per line, so a kill loses nothing written).</summary>
public sealed class MetricsLog
{
    /// <summary>snake_case, one object per line.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly string _path;

    /// <summary>Appends to <paramref name="path"/>.</summary>
    public MetricsLog(string path) => _path = path;

    /// <summary>Appends one line.</summary>
    public void Append(MetricsLine line) => File.AppendAllText(_path, JsonSerializer.Serialize(line, Json) + "\n");

    /// <summary>Reads every line of a metrics file.</summary>
    public static IReadOnlyList<MetricsLine> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0)
            .Select((l, i) => JsonSerializer.Deserialize<MetricsLine>(l, Json) ?? throw new InvalidDataException($"{path}:{i + 1}: empty line."))
            .ToList();

    /// <summary>The line of <paramref name="entry"/>.</summary>
    public static MetricsLine From(TrainingLogEntry entry, string stage, string task, string? method, ulong seed, double tokensPerSecond,
        double elapsedSeconds) =>
        new(stage, task, method, seed, entry.Step, entry.TotalSteps, entry.Loss, entry.Parts, entry.LearningRates, entry.DevScore,
            tokensPerSecond, entry.StepMilliseconds, elapsedSeconds);
}
