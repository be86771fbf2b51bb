using Mpt.Evaluation;
using Mpt.Methods;
using Mpt.Prompts;
using Mpt.Reports;
using Mpt.Training;

namespace Mpt.Pipeline;

/// <summary>
/// Builds the run-folder records of <see cref="Mpt.Reports"/> (the one definition of <c>metrics.jsonl</c> and
/// <c>results.json</c>) from what the pipeline has: training log entries, test scores and parameter reports. Maps the
/// pipeline's folder names (<c>teachers</c>) to the report's stage names (<see cref="StageNames"/>) and names the method
/// of every stage, so the report plots and tabulates a pipeline run without a translation step.
/// </summary>
public static class RunFolderRecords
{
    /// <summary>Method of a teacher run: a teacher is plain prompt tuning on one source task (paper §3.2).</summary>
    public static string TeacherMethod => AdaptMethods.PromptTuning.ResultsKey;

    /// <summary>Method of the distillation run: MPT's source training.</summary>
    public static string DistillMethod => AdaptMethods.Mpt.ResultsKey;

    /// <summary>Task name of runs over several tasks (distillation, MPT*).</summary>
    public const string AllTasks = "all";

    /// <summary>The report's stage name of a pipeline folder (<c>teachers</c> → <c>teacher</c>; others unchanged).</summary>
    public static string StageOf(string folder) => folder == PipelineRunner.TeachersDir ? StageNames.Teacher : folder;

    /// <summary>A seed as the records store it.</summary>
    /// <exception cref="ConfigException">The seed does not fit a signed 64-bit integer.</exception>
    public static long SeedOf(ulong seed) =>
        seed <= long.MaxValue ? (long)seed : throw new ConfigException($"seed {seed} is larger than {long.MaxValue}, the largest seed metrics.jsonl and results.json record.");

    /// <summary>
    /// The metrics line of a logged step. Loss parts with a field of their own (<c>task</c>, <c>kl</c>, <c>hidden</c>)
    /// go there, others to <see cref="StepMetrics.LossOther"/>; <see cref="StepMetrics.Lr"/> is the shared group's rate
    /// (the prompt P or P*) when it trains, else the first trained group's, and every group's is in <see cref="StepMetrics.LrGroups"/>.
    /// </summary>
    public static StepMetrics Step(TrainingLogEntry entry, string stage, string task, string method, ulong seed, double tokensPerSecond,
        double elapsedSeconds)
    {
        double? Part(string name) => entry.Parts.TryGetValue(name, out double v) ? v : null;
        var other = entry.Parts.Where(p => p.Key is not (PromptTuningObjective.TaskLoss or Distiller.KlLoss or Distiller.HiddenLoss))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        double? lr = entry.LearningRates.TryGetValue(PromptParameterGroupNames.Shared, out double shared) ? shared
            : entry.LearningRates.Count > 0 ? entry.LearningRates.First().Value : null;
        return new StepMetrics(stage, task, method, SeedOf(seed), entry.Step, entry.Loss,
            LossTask: Part(PromptTuningObjective.TaskLoss), LossKl: Part(Distiller.KlLoss), LossHidden: Part(Distiller.HiddenLoss),
            Lr: lr, DevScore: entry.DevScore, TokensPerS: entry.IsInitial ? null : tokensPerSecond, ElapsedS: elapsedSeconds,
            TotalSteps: entry.TotalSteps, StepMs: entry.IsInitial ? null : entry.StepMilliseconds, LossOther: other.Count > 0 ? other : null,
            LrGroups: entry.LearningRates.Count > 0 ? new Dictionary<string, double>(entry.LearningRates, StringComparer.Ordinal) : null);
    }

    /// <summary>
    /// The result of one method on one target over seeds: the score is ATTEMPT's <c>average_metrics</c> (the mean of the
    /// task's score metrics, <see cref="EvaluationReport.ScoreKeys"/>) per seed; every metric is kept in
    /// <see cref="MethodResult.Metrics"/>. Trainable parameters per task: the run's trainable count divided by the tasks
    /// the prompt serves — exact for one target, and for MPT* the paper's accounting (P* shared by τ targets, §3.3).
    /// </summary>
    /// <exception cref="ArgumentException">Seeds and scores differ in number, or a seed's average is not finite (named).</exception>
    public static MethodResult Method(IReadOnlyList<ulong> seeds, IReadOnlyList<(double Average, IReadOnlyDictionary<string, double> Metrics)> scores,
        int? fewShot, int trainExamples, ParameterReport? parameters, double wallClockSeconds)
    {
        if (seeds.Count != scores.Count) throw new ArgumentException($"{seeds.Count} seeds but {scores.Count} scores.", nameof(scores));
        var metricNames = scores[0].Metrics.Keys.ToList();
        string metric = MethodResult.AverageOf(EvaluationReport.ScoreKeys(scores[0].Metrics).ToList());
        var average = MethodResult.FromSeeds(metric, seeds.Select((s, i) => new SeedScore(SeedOf(s), scores[i].Average)).ToList(),
            parameters is null ? 0 : (long)Math.Round((double)parameters.TrainableParameters / Math.Max(1, parameters.NumTasks)));
        var metrics = metricNames.ToDictionary(k => k,
            k => MetricSummary.FromSeeds(seeds.Select((s, i) => new SeedScore(SeedOf(s), scores[i].Metrics.TryGetValue(k, out double v) ? v : double.NaN)).ToList()),
            StringComparer.Ordinal);
        return average with
        {
            Metrics = metrics,
            FewShot = fewShot,
            TrainExamples = trainExamples,
            Parameters = parameters,
            WallClockS = wallClockSeconds,
        };
    }
}
