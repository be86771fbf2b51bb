using System.Text.Json;
using Mpt.Prompts;
using Mpt.Runs;

namespace Mpt.Training;

/// <summary>Wires a prompt, learning rates, a batch source and an objective into a <see cref="TrainingLoop"/> and runs it.</summary>
internal static class StageRunner
{
    public static TrainingResult Run(IPromptedModel model, PromptLearningRates rates, IBatchSource source,
        Func<PromptBatch, StepLosses> objective, TrainingLoopOptions loop, TrainingHooks hooks, object config)
    {
        using var optimizer = new PromptOptimizer(model.Prompt, rates, loop.WeightDecay);
        var collator = model.CreateCollator(loop.MaxSourceLength);
        var trainer = new TrainingLoop(model, optimizer, source, collator, objective, loop);
        return trainer.Run(hooks, JsonSerializer.Serialize(config, RunFolder.Json));
    }
}
