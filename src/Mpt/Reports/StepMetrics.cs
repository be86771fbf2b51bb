using System.Text.Json.Serialization;

namespace Mpt.Reports;

/// <summary>
/// One logged training step: one line of a run folder's <c>metrics.jsonl</c>, e.g.
/// <code>{"stage":"adapt","task":"rte","method":"mpt","seed":1,"step":200,"loss":0.412,"loss_task":0.412,"lr":0.3,"dev_score":71.5,"tokens_per_s":1830.2,"elapsed_s":95.1}</code>
/// Written by the pipeline (<see cref="MetricsLog.Append(string, StepMetrics)"/>), read by the mpt CLI's report (RunReport) for the loss and dev plots.
/// </summary>
/// <param name="Stage">Pipeline stage: <c>teacher</c> (single-task source prompts), <c>distill</c> (multitask
/// distillation of the shared prompt and task vectors) or <c>adapt</c> (target adaptation); other names are allowed and
/// plotted after these.</param>
/// <param name="Task">Task the step trained on (a source task for teachers, the target task for adaptation, e.g.
/// <c>"all"</c> or the mixture name for multitask distillation).</param>
/// <param name="Method">Method of the run: <c>pt</c>, <c>spot</c>, <c>mpt</c> or an ablation such as <c>mpt-no-kd</c>.</param>
/// <param name="Seed">Random seed of the run; steps of the same stage/task/method with different seeds are averaged.</param>
/// <param name="Step">Optimizer updates done (1-based after the first update). Step 0 is the dev evaluation of the
/// initial prompt, logged when the run scored it (it then has a dev score and no loss, rate or throughput).</param>
/// <param name="Loss">Total loss of the step; null at step 0.</param>
/// <param name="LossTask">Task cross-entropy part, when the loss has parts.</param>
/// <param name="LossKl">Logit-distillation KL part (paper Eq. 3).</param>
/// <param name="LossHidden">Hidden-state MSE distillation part (paper Eq. 4).</param>
/// <param name="Lr">Learning rate of the step (of the main parameter group).</param>
/// <param name="DevScore">Dev metric after this step, on steps where the run evaluated (same scale as results, ×100).</param>
/// <param name="TokensPerS">Throughput of the step, in tokens per second.</param>
/// <param name="ElapsedS">Seconds since the run (stage/task/method/seed) started.</param>
/// <param name="TotalSteps">Optimizer updates the run plans, when known.</param>
/// <param name="StepMs">Wall time of this step (forward, backward, update), milliseconds.</param>
/// <param name="LossOther">Loss parts without a field of their own (e.g. the <c>prompt_mse</c> ablation objective), by
/// name; null when every part has a field.</param>
/// <param name="LrGroups">Learning rate of every trained parameter group (<c>shared</c>, <c>task_specific</c>), when the
/// run has groups; <see cref="Lr"/> is then the main group's (shared if trained, else the first).</param>
public sealed record StepMetrics(
    string Stage,
    string Task,
    string Method,
    long Seed,
    long Step,
    double? Loss = null,
    double? LossTask = null,
    double? LossKl = null,
    double? LossHidden = null,
    double? Lr = null,
    double? DevScore = null,
    double? TokensPerS = null,
    double? ElapsedS = null,
    long? TotalSteps = null,
    double? StepMs = null,
    IReadOnlyDictionary<string, double>? LossOther = null,
    IReadOnlyDictionary<string, double>? LrGroups = null)
{
    /// <summary>The curve this step belongs to (seeds merged).</summary>
    [JsonIgnore]
    public CurveKey Curve => new(Stage, Task, Method);

    /// <summary>Checks the fields a reader relies on; the message names the bad field.</summary>
    /// <exception cref="ArgumentException">An empty name, a negative step, or no loss outside the initial evaluation.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Stage)) throw new ArgumentException("'stage' must be a non-empty string.");
        if (string.IsNullOrWhiteSpace(Task)) throw new ArgumentException("'task' must be a non-empty string.");
        if (string.IsNullOrWhiteSpace(Method)) throw new ArgumentException("'method' must be a non-empty string.");
        if (Step < 0) throw new ArgumentException($"'step' must be ≥ 0, got {Step}.");
        // Only the initial evaluation (step 0) has no loss, and it is logged for its dev score.
        if (Loss is null && Step > 0) throw new ArgumentException($"'loss' is missing at step {Step} (only step 0, the initial evaluation, has none).");
        if (Loss is null && DevScore is null) throw new ArgumentException("a step-0 record without 'loss' must have a 'dev_score'.");
        if (TotalSteps < 0) throw new ArgumentException($"'total_steps' must be ≥ 0, got {TotalSteps}.");
    }
}

/// <summary>Identifies one training curve: a stage, a task and a method (over all seeds).</summary>
/// <param name="Stage">Pipeline stage.</param>
/// <param name="Task">Task name.</param>
/// <param name="Method">Method name.</param>
public sealed record CurveKey(string Stage, string Task, string Method)
{
    /// <summary>Legend label, e.g. <c>rte · MPT</c>.</summary>
    public string Label => $"{Task} · {MethodNames.Display(Method)}";
}
