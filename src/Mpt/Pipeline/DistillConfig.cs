using Mpt.Training;

namespace Mpt.Pipeline;

/// <summary>
/// Stage 2, MPT source training: the decomposed prompt distilled from the teachers (section <c>distill</c>; paper §3.1-3.2,
/// Eq. 5). The ablation switches of §4.3 are <see cref="Objective"/>, <see cref="Decomposition"/> and
/// <see cref="StochasticTaskSampling"/>.
/// </summary>
public sealed record DistillConfig
{
    /// <summary>Default epochs over the mixture (paper: 5).</summary>
    public const double DefaultEpochs = 5;

    /// <summary>Prompt length l; must equal the teachers' (paper: 100).</summary>
    public int PromptLength { get; init; } = 100;

    /// <summary>Rank r of the task factors (paper: 1).</summary>
    public int Rank { get; init; } = 1;

    /// <summary>λ of Eq. 5 (paper: 0.9).</summary>
    public double Lambda { get; init; } = 0.9;

    /// <summary>KL temperature (unspecified in the paper; 1).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>logits_and_hidden (paper), logits_only, none (no distillation), prompt_mse.</summary>
    public DistillationObjective Objective { get; init; } = DistillationObjective.LogitsAndHidden;

    /// <summary>Decompose the prompt (false = ablation "w/o prompt decomposition").</summary>
    public bool Decomposition { get; init; } = true;

    /// <summary>Stochastic task sampling (false = ablation "w/o stochastic task sampling").</summary>
    public bool StochasticTaskSampling { get; init; } = true;

    /// <summary>Learning rate of P* (paper: 0.3).</summary>
    public double SharedLearningRate { get; init; } = 0.3;

    /// <summary>Learning rate of u, v (paper: 0.3).</summary>
    public double TaskLearningRate { get; init; } = 0.3;

    /// <summary>Vocabulary ids the P* init samples from (first 5000).</summary>
    public int VocabularyPool { get; init; } = 5000;

    /// <summary>Take the teachers from this run folder instead of the current one (its <c>teachers/</c>).</summary>
    public string? TeachersFrom { get; init; }

    /// <summary>Loop settings.</summary>
    public LoopConfig Loop { get; init; } = new();

    /// <summary>Checks the section.</summary>
    public void Validate(string path = "distill")
    {
        ConfigChecks.AtLeast($"{path}.prompt_length", PromptLength, 1);
        ConfigChecks.AtLeast($"{path}.rank", Rank, 1);
        ConfigChecks.AtLeast($"{path}.lambda", Lambda, 0);
        ConfigChecks.Positive($"{path}.temperature", Temperature);
        ConfigChecks.Positive($"{path}.shared_learning_rate", SharedLearningRate);
        ConfigChecks.Positive($"{path}.task_learning_rate", TaskLearningRate);
        ConfigChecks.AtLeast($"{path}.vocabulary_pool", VocabularyPool, 1);
        if (!Enum.IsDefined(Objective)) throw new ConfigException($"{path}.objective: unknown value {Objective}.");
        Loop.Validate($"{path}.loop");
    }

    /// <summary>The library options.</summary>
    public DistillationOptions ToOptions() => new()
    {
        PromptLength = PromptLength,
        Rank = Rank,
        Lambda = Lambda,
        Temperature = Temperature,
        Objective = Objective,
        Decomposition = Decomposition,
        StochasticTaskSampling = StochasticTaskSampling,
        VocabularyPool = VocabularyPool,
        Rates = new PromptLearningRates { Shared = SharedLearningRate, TaskSpecific = TaskLearningRate },
        Loop = Loop.ToOptions(DefaultEpochs),
    };
}
