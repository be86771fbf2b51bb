using System.Diagnostics;
using Mpt.Reports;
using Mpt.Training;

namespace Mpt.Quickstart;

/// <summary>
/// Turns the trainers' <see cref="TrainingLogEntry"/>s of one run (a stage, task, method and seed) into
/// <c>metrics.jsonl</c> records (<see cref="StepMetrics"/>), dev scores on the report's ×100 scale. Records are kept
/// until <see cref="Flush"/>, which appends them in one write, so the file is not synced to disk on every step.
/// </summary>
public sealed class MetricsRecorder
{
    private readonly string _path;
    private readonly string _stage, _task, _method;
    private readonly int _seed;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<StepMetrics> _pending = [];

    /// <summary>A recorder of one run, appending to <paramref name="metricsPath"/>.</summary>
    public MetricsRecorder(string metricsPath, string stage, string task, string method, int seed)
    {
        _path = metricsPath;
        _stage = stage;
        _task = task;
        _method = method;
        _seed = seed;
    }

    /// <summary>Records a trainer log entry (pass as <see cref="TrainingHooks.Log"/>).</summary>
    public void Add(TrainingLogEntry entry)
    {
        double? Part(string name) => entry.Parts.TryGetValue(name, out double v) ? v : null;
        // The shared group's rate is the "main" one: the whole prompt of PT/SPoT/teachers, P* of MPT.
        double? lr = entry.LearningRates.TryGetValue(Prompts.PromptParameterGroupNames.Shared, out double shared) ? shared
            : entry.LearningRates.Count > 0 ? entry.LearningRates.Values.First() : null;
        _pending.Add(new StepMetrics(_stage, _task, _method, _seed, entry.Step, entry.Loss,
            LossTask: Part(PromptTuningObjective.TaskLoss), LossKl: Part(Distiller.KlLoss), LossHidden: Part(Distiller.HiddenLoss),
            Lr: lr, DevScore: entry.DevScore * 100, ElapsedS: _clock.Elapsed.TotalSeconds));
    }

    /// <summary>Records the state before the first update (step 0): the loss of the initial prompt and its dev score.</summary>
    public void AddStepZero(double loss, double? devScore) =>
        _pending.Add(new StepMetrics(_stage, _task, _method, _seed, 0, loss, LossTask: loss, DevScore: devScore * 100,
            ElapsedS: _clock.Elapsed.TotalSeconds));

    /// <summary>Appends the recorded entries to the metrics file.</summary>
    public void Flush()
    {
        if (_pending.Count == 0) return;
        MetricsLog.Append(_path, _pending);
        _pending.Clear();
    }
}
