using Mpt.Training;
using static TorchSharp.torch;

namespace Mpt.Runs;

/// <summary>
/// Everything a training loop needs to continue exactly where it stopped: the prompt, the best prompt so far, AdamW's
/// moments and step counts, the data order and task sampler, torch's CPU generator (dropout) and the counters.
/// The tensors belong to the checkpoint; dispose it when done.
/// </summary>
/// <param name="Step">Optimizer updates done.</param>
/// <param name="TotalSteps">Planned updates of the run (a resumed run must plan the same).</param>
/// <param name="BestScore">Best dev score so far, or null.</param>
/// <param name="BestStep">Step of the best dev score, or null.</param>
/// <param name="Source">Batch source state.</param>
/// <param name="Prompt">Prompt tensors under their PEFT names.</param>
/// <param name="BestPrompt">Best prompt so far under PEFT names, or null.</param>
/// <param name="Optimizer">AdamW state (see <see cref="OptimizerStateTensors"/>).</param>
/// <param name="TorchRngState">torch.random.get_rng_state() after the step (uint8).</param>
public sealed record TrainingCheckpoint(long Step, long TotalSteps, double? BestScore, long? BestStep, BatchSourceState Source,
    IReadOnlyDictionary<string, Tensor> Prompt, IReadOnlyDictionary<string, Tensor>? BestPrompt,
    IReadOnlyDictionary<string, Tensor> Optimizer, Tensor TorchRngState) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in Prompt.Values) t.Dispose();
        if (BestPrompt is not null) foreach (var t in BestPrompt.Values) t.Dispose();
        foreach (var t in Optimizer.Values) t.Dispose();
        TorchRngState.Dispose();
    }
}
