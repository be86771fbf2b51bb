using System.Diagnostics;
using Mpt.Distributed;
using Mpt.Prompts;
using Mpt.Runs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// The one training loop every MPT stage uses (teachers, distillation, target adaptation, baselines, ablations): the
/// stages differ only in the prompt, the optimizer's learning rates, the batch source and the objective.
/// </summary>
/// <remarks>
/// Each step runs inside its own <c>torch.NewDisposeScope()</c>, so the live tensor count stays flat. Exact resume:
/// a checkpoint holds everything the next step depends on (prompt, AdamW state, data order, task sampler, torch's CPU
/// generator for dropout, step, best score and prompt); the learning rate is a function of the step. A run stopped
/// after any step and resumed from its last checkpoint therefore replays the same updates bit for bit.
/// Torch's default CPU generator is global: a fresh run seeds it with <see cref="TrainingLoopOptions.Seed"/>.
/// <para>
/// Under an MPI launcher with more than one rank (<see cref="MpiWorld.TrainingGroup"/>) the loop is data-parallel
/// (<see cref="DataParallelStep"/>, docs/distributed.md): rank 0's initial prompt is broadcast, each rank computes the
/// gradient of its slice of every global batch, one allreduce sums them, and every rank takes the same optimizer step;
/// rank 0 alone evaluates on dev (broadcasting the score), logs and writes the run folder, which the other ranks only
/// read (resume). Without a launcher nothing of this runs.
/// </para>
/// </remarks>
public sealed class TrainingLoop
{
    private readonly IPromptedModel _model;
    private readonly PromptOptimizer _optimizer;
    private readonly IBatchSource _source;
    private readonly IBatchCollator _collator;
    private readonly Func<PromptBatch, StepLosses> _objective;
    private readonly TrainingLoopOptions _options;

    /// <summary>Creates a loop.</summary>
    /// <param name="model">Frozen backbone + the prompt being trained.</param>
    /// <param name="optimizer">AdamW over the prompt's trained groups.</param>
    /// <param name="source">Batches of examples.</param>
    /// <param name="collator">Examples → tensors (the model's, <see cref="IPromptedModel.CreateCollator"/>).</param>
    /// <param name="objective">Batch → loss (called in train mode, gradients on).</param>
    /// <param name="options">Schedule, clipping, evaluation, checkpoint and seed settings.</param>
    public TrainingLoop(IPromptedModel model, PromptOptimizer optimizer, IBatchSource source, IBatchCollator collator,
        Func<PromptBatch, StepLosses> objective, TrainingLoopOptions options)
    {
        _model = model;
        _optimizer = optimizer;
        _source = source;
        _collator = collator;
        _objective = objective;
        _options = options;
        TotalSteps = options.TotalSteps(source.ExampleCount);
        Warmup = options.Warmup(TotalSteps);
    }

    /// <summary>Planned number of optimizer updates.</summary>
    public long TotalSteps { get; }

    /// <summary>The warm-up this run uses (<see cref="TrainingLoopOptions.WarmupSteps"/> under its cap).</summary>
    public WarmupPlan Warmup { get; }

    /// <summary>Trains (or continues training) the prompt; on return the prompt holds the best (or last) values.</summary>
    /// <param name="hooks">Evaluation, run folder, resume, logging, early stop.</param>
    /// <param name="configJson">The stage's options as JSON, stored in (and on resume compared with) the run folder.</param>
    public TrainingResult Run(TrainingHooks hooks, string configJson)
    {
        var folder = hooks.Folder;
        var evaluate = hooks.Evaluator();
        var select = evaluate is null ? null : hooks.SelectionScore;
        var trained = _optimizer.Groups.Select(g => g.Name).ToList();
        var trainedParameters = _model.Prompt.ParameterGroups().Where(g => trained.Contains(g.Name)).SelectMany(g => g.Parameters).ToList();
        var parallel = MpiWorld.TrainingGroup is { } group ? new DataParallelStep(group, trainedParameters) : null;
        // Rank 0 alone writes the run folder and evaluates (observers included); the other ranks read the folder to
        // resume. The log hook runs on every rank, since it may count steps (StopSignal); its file and console writes
        // happen on rank 0 only (AtomicFile, JsonLinesAppend, the CLI's output).
        bool writes = parallel?.Writes ?? true;
        var writeFolder = writes ? folder : null;
        var evaluated = writes ? hooks.Evaluated : null;
        writeFolder?.EnsureConfig(configJson, hooks.Resume);
        parallel?.BroadcastParameters();
        long step = 0;
        long? resumedFrom = null;
        double? bestScore = null;
        long? bestStep = null;
        Dictionary<string, Tensor>? bestPrompt = null;

        if (hooks.Resume && folder is not null && folder.HasCheckpoint)
        {
            string where = folder.CheckpointLocation!;
            using var checkpoint = folder.LoadCheckpoint();
            if (checkpoint.TotalSteps != TotalSteps)
                throw new InvalidOperationException($"{where}: the checkpoint plans {checkpoint.TotalSteps} steps but this run plans {TotalSteps}: the data or options differ.");
            _model.Prompt.LoadPeftTensors(checkpoint.Prompt, System.IO.Path.Combine(where, RunFolder.PromptFile));
            OptimizerStateTensors.Load(_optimizer, checkpoint.Optimizer, System.IO.Path.Combine(where, RunFolder.OptimizerFile));
            _source.SetState(checkpoint.Source);
            torch.random.set_rng_state(checkpoint.TorchRngState);
            step = checkpoint.Step;
            resumedFrom = step;
            bestScore = checkpoint.BestScore;
            bestStep = checkpoint.BestStep;
            bestPrompt = checkpoint.BestPrompt?.ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
        }
        else
        {
            torch.random.manual_seed(unchecked((long)_options.Seed));
            if ((_options.SelectStepZero || hooks.Evaluated is not null) && evaluate is not null)
            {
                // Step 0: the initial prompt's dev score (eval mode: no dropout, no RNG draws), a checkpoint candidate
                // when SelectStepZero is on; evaluated for an Evaluated observer alone it does not compete.
                _model.Train(false);
                var scores = EvaluateOnce(parallel, () =>
                {
                    double dev = evaluate(_model);
                    evaluated?.Invoke(0, _model, dev);
                    return [dev, _options.SelectStepZero && select is not null ? select(_model) : dev];
                });
                if (_options.SelectStepZero)
                {
                    bestScore = scores[1];
                    bestStep = 0;
                    bestPrompt = _model.Prompt.PeftTensors().ToDictionary(kv => kv.Key, kv => kv.Value.DetachFromDisposeScope());
                }
                // Logged like any evaluation step, so metrics.jsonl and the report's dev curve show where training started.
                hooks.Log?.Invoke(TrainingLogEntry.Initial(TotalSteps, scores[0]));
            }
        }

        var losses = new List<double>();
        var timer = new Stopwatch();
        double stepMillisTotal = 0;
        bool interrupted = false;
        SetTrainMode();
        while (step < TotalSteps)
        {
            timer.Restart();
            double loss;
            Dictionary<string, double> parts;
            bool[] stopFlags = [];
            var rates = _optimizer.Groups.ToDictionary(g => g.Name, g => 0.0);
            using (var scope = torch.NewDisposeScope())
            {
                // 1. LR schedule: linear warm-up (capped to a fraction of the run), then linear decay to 0 (a function
                //    of the step, so nothing to store).
                _optimizer.ApplySchedule(Warmup.Multiplier(step));
                foreach (var name in rates.Keys) rates[name] = _optimizer.CurrentLearningRate(name);
                // 2. Batch: the next examples of the seeded source, padded to this batch's longest row (data-parallel:
                //    every rank draws the same global batch and collates its own slice).
                var examples = _source.Next();
                parallel?.SeedRank(_options.Seed, step);
                var batch = _collator.Collate(parallel is null ? examples : parallel.SliceOf(examples));
                // 3. Forward + loss (the objective runs the frozen backbone with the prompt, and teachers if any).
                var stepLosses = _objective(batch);
                if (parallel is null)
                {
                    // 4. Backward: only prompt parameters require gradients, so only they receive one.
                    stepLosses.Total.backward();
                    loss = Numerics.LossValue.Of(stepLosses.Total);
                    parts = stepLosses.Parts.ToDictionary(p => p.Key, p => (double)Numerics.LossValue.Of(p.Value));
                }
                else
                {
                    // 4. Backward of this rank's share of the batch loss, then one allreduce of the fused gradients
                    //    (with the loss, its parts and the stop request, polled here: a signal reaches the ranks at
                    //    different moments, and every rank must stop after the same step).
                    parallel.RankLoss(stepLosses, batch.Size, examples.Count).backward();
                    var reduced = parallel.AllreduceGradients(hooks.StopRequested?.Invoke() == true);
                    (loss, parts, stopFlags) = (reduced.Loss, reduced.Parts, reduced.Flags);
                }
                // 5. Optional gradient clipping (HF Trainer's max_grad_norm) over the trained prompt parameters.
                if (_options.MaxGradNorm is { } maxNorm) torch.nn.utils.clip_grad_norm_(trainedParameters, maxNorm);
                // 6. AdamW update, then 7. clear the gradients for the next step.
                _optimizer.Step();
                _optimizer.ZeroGrad();
            }
            step++;
            timer.Stop();
            double millis = timer.Elapsed.TotalMilliseconds;
            stepMillisTotal += millis;
            losses.Add(loss);
            if (!double.IsFinite(loss))
                throw new InvalidOperationException($"the loss became {loss} at step {step}; lower the learning rate or enable gradient clipping.");

            // 8. Evaluate on dev and keep the best prompt by the selection score (the dev score unless the hooks give
            //    another; ties keep the earlier one).
            double? devScore = null;
            bool last = step == TotalSteps;
            if (evaluate is not null && (last || (_options.EvalEverySteps > 0 && step % _options.EvalEverySteps == 0)))
            {
                _model.Train(false);
                long at = step;
                var scores = EvaluateOnce(parallel, () =>
                {
                    double dev = evaluate(_model);
                    evaluated?.Invoke(at, _model, dev);
                    return [dev, select is null ? dev : select(_model)];
                });
                devScore = scores[0];
                double selection = scores[1];
                SetTrainMode();
                if (bestScore is null || selection > bestScore.Value)
                {
                    bestScore = selection;
                    bestStep = step;
                    if (bestPrompt is not null) foreach (var t in bestPrompt.Values) t.Dispose();
                    bestPrompt = _model.Prompt.PeftTensors().ToDictionary(kv => kv.Key, kv => kv.Value.DetachFromDisposeScope());
                }
            }

            // 9. Log.
            if (hooks.Log is not null && (last || devScore is not null || (_options.LogEverySteps > 0 && step % _options.LogEverySteps == 0)))
                hooks.Log(new TrainingLogEntry(step, TotalSteps, loss, parts, rates, devScore, millis));

            // 10. Checkpoint (resumable state, swapped in as a whole).
            bool checkpointed = writeFolder is not null && (last || (_options.CheckpointEverySteps > 0 && step % _options.CheckpointEverySteps == 0));
            if (checkpointed) SaveCheckpoint(writeFolder!, step, bestScore, bestStep, bestPrompt);

            // 11. Stop early if asked. A requested stop (Ctrl+C) first checkpoints this step, so no update is lost;
            //     StopAfterStep stops as a kill would (no extra checkpoint: tests use it to check resume).
            if (!last && (parallel is null ? hooks.StopRequested?.Invoke() == true : stopFlags[0]))
            {
                if (writeFolder is not null && !checkpointed) SaveCheckpoint(writeFolder, step, bestScore, bestStep, bestPrompt);
                interrupted = true;
                break;
            }
            if (!last && hooks.StopAfterStep?.Invoke(step) == true) { interrupted = true; break; }
        }

        _model.Train(false);
        if (!interrupted && _options.KeepBest && bestPrompt is not null)
            _model.Prompt.LoadPeftTensors(bestPrompt, $"best prompt (step {bestStep})");
        if (bestPrompt is not null) foreach (var t in bestPrompt.Values) t.Dispose();
        var result = new TrainingResult(step, TotalSteps, interrupted, resumedFrom, bestScore, bestStep, losses,
            ParameterReport.Of(_model.Prompt), losses.Count == 0 ? 0 : stepMillisTotal / losses.Count);
        if (writeFolder is not null && !interrupted)
        {
            writeFolder.WritePrompt(_model.Prompt);
            writeFolder.WriteJson(RunFolder.ResultFile, result with { StepLosses = [] });
        }
        // The other ranks go on to read what rank 0 has just written (the next stage loads this prompt).
        parallel?.Barrier();
        return result;
    }

    // A dev evaluation (dev score, selection score): computed by rank 0 alone under data parallelism and broadcast.
    private static double[] EvaluateOnce(DataParallelStep? parallel, Func<double[]> evaluate) =>
        parallel is null ? evaluate() : parallel.FromRankZero(2, evaluate);

    private void SetTrainMode()
    {
        _model.Train(true);
        if (!_options.BackboneDropout) _model.BackboneTraining = false;
    }

    private void SaveCheckpoint(RunFolder folder, long step, double? bestScore, long? bestStep, Dictionary<string, Tensor>? bestPrompt)
    {
        var prompt = _model.Prompt.PeftTensors();
        var optimizer = OptimizerStateTensors.Save(_optimizer);
        var rng = torch.random.get_rng_state();
        try
        {
            folder.SaveCheckpoint(new TrainingCheckpoint(step, TotalSteps, bestScore, bestStep, _source.GetState(), prompt, bestPrompt, optimizer, rng));
        }
        finally
        {
            foreach (var t in prompt.Values) t.Dispose();
            foreach (var t in optimizer.Values) t.Dispose();
            rng.Dispose();
        }
    }
}
