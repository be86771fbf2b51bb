using Mpt.Prompts;
using Mpt.Serialization;

namespace Mpt.Training;

/// <summary>
/// MPT source training (paper §3.1-3.2, App. A): a decomposed prompt P* ∘ (u_k v_k) over κ source tasks distilled from
/// the frozen teachers with λ = 0.9, batches of K ~ U{2..κ} tasks with examples-proportional mixing, lr 0.3 for every
/// prompt parameter, 5 epochs over the mixture, batch 32. Choices the paper leaves open carry Mpt's documented defaults.
/// </summary>
public sealed record DistillationOptions
{
    /// <summary>Prompt length l; must equal the teachers' (paper: 100).</summary>
    public int PromptLength { get; init; } = 100;

    /// <summary>Rank r of the task factors (paper: 1).</summary>
    public int Rank { get; init; } = 1;

    /// <summary>u, v init (paper: unspecified; default ones, so P̂_k = P* at step 0 — see <see cref="TaskVectorInit.Ones"/>).</summary>
    public TaskVectorInit TaskVectorInit { get; init; } = TaskVectorInit.Ones;

    /// <summary>Vocabulary ids the P* init samples from: the first N (ATTEMPT: 5000).</summary>
    public int VocabularyPool { get; init; } = PromptInit.DefaultVocabularyPool;

    /// <summary>Distillation objective (default the paper's; the others are its ablations).</summary>
    public DistillationObjective Objective { get; init; } = DistillationObjective.LogitsAndHidden;

    /// <summary>λ of Eq. (5) (paper: 0.9, fixed).</summary>
    public double Lambda { get; init; } = DistillationLosses.DefaultLambda;

    /// <summary>KL temperature T (unspecified in the paper; 1 = the model's own distributions; see <see cref="DistillationLosses.LogitKl"/>).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>
    /// Multiply the KL by T² (Hinton et al. 2015; default true, no effect at T = 1), so that its weight next to L_PLM
    /// stays λ whatever T (see <see cref="DistillationLosses.LogitKl"/>).
    /// </summary>
    /// <remarks>Left out of the stored stage options while true, the behaviour of runs made before the option existed.</remarks>
    [LegacyValue(true)]
    public bool ScaleKlByTemperatureSquared { get; init; } = true;

    /// <summary>Hidden states compared (unspecified; default the final state of each stack).</summary>
    public HiddenLayers HiddenLayers { get; init; } = HiddenLayers.Final;

    /// <summary>Reduction of both distillation losses (unspecified; default token mean, like L_PLM).</summary>
    public LossReduction Reduction { get; init; } = LossReduction.TokenMean;

    /// <summary>Whether the l prompt positions count in the encoder hidden loss (default true; see <see cref="DistillationLosses.EncoderMask"/>).</summary>
    public bool HiddenLossOnPromptPositions { get; init; } = true;

    /// <summary>
    /// Which student hidden states the hidden loss compares while the backbone dropout is on (unspecified in the paper;
    /// default <see cref="HiddenStateDropout.CleanStudentPass"/>, a dropout-free student pass, so the term is not biased
    /// by one-sided dropout noise).
    /// </summary>
    /// <remarks>Recorded in the stored stage options unless <see cref="HiddenStateDropout.OneSided"/>, the behaviour of runs
    /// made before the option existed (which therefore resume only with it).</remarks>
    [LegacyValue(HiddenStateDropout.OneSided)]
    public HiddenStateDropout HiddenStateDropout { get; init; } = HiddenStateDropout.CleanStudentPass;

    /// <summary>
    /// Cache the frozen teachers' outputs per example and reuse them in later epochs instead of re-running the teacher
    /// forward (default false; see <see cref="TeacherOutputCache"/>). Same losses, about one forward pass less per step
    /// after the first epoch, at a memory cost per training example of the teacher's scores at its target positions
    /// (T5: target_len × vocab floats) plus the compared hidden states (docs/performance.md has the figures).
    /// </summary>
    public bool CacheTeacherOutputs { get; init; }

    /// <summary>
    /// With <see cref="CacheTeacherOutputs"/>: keep each row's scores as the teacher's top k tokens plus the lumped mass
    /// of the rest instead of all V (null, the default: exact). The KL is then the lumped KL of
    /// <see cref="DistillationLosses.LumpedLogitKl"/>, below the exact one by at most the tail's share it states.
    /// </summary>
    [LegacyValue(null!)]
    public int? TeacherCacheTopK { get; init; }

    /// <summary>
    /// With <see cref="CacheTeacherOutputs"/>: keep the rows in a memory-mapped file of the run folder
    /// (<see cref="Distiller.TeacherCacheFileName"/>; a temporary file without a folder) rather than in RAM, so RAM holds
    /// only an index (≈ 40 B per example). Default false. The file is reopened, with its rows, when the run resumes.
    /// </summary>
    [LegacyValue(false)]
    public bool TeacherCacheOnDisk { get; init; }

    /// <summary>
    /// With <see cref="CacheTeacherOutputs"/>: keep the teacher's hidden states rounded to bfloat16, half their bytes
    /// (default false: float32, exact). The hidden term then moves by at most the bound <see cref="TeacherRowLayout.HiddenBFloat16"/> states.
    /// </summary>
    [LegacyValue(false)]
    public bool TeacherCacheHiddenBFloat16 { get; init; }

    /// <summary>
    /// Decompose the prompt (default true). False is the ablation "w/o prompt decomposition": one plain l × d prompt
    /// shared by every source task (a SoftPrompt; each row is still distilled from its own task's teacher), which is
    /// then the target's init.
    /// </summary>
    public bool Decomposition { get; init; } = true;

    /// <summary>κ, the most tasks per batch (null = all source tasks, the paper's κ = |S|).</summary>
    public int? MaxTasksPerBatch { get; init; }

    /// <summary>Size cap of examples-proportional mixing (null = uncapped; see <see cref="TaskSamplerOptions.SizeCap"/>).</summary>
    public long? MixingSizeCap { get; init; }

    /// <summary>Draw the K tasks with replacement (default false; see <see cref="TaskSamplerOptions.WithReplacement"/>).</summary>
    public bool SampleTasksWithReplacement { get; init; }

    /// <summary>How a batch is divided among its drawn tasks (default proportional; see <see cref="TaskSamplerOptions.BatchSplit"/>).</summary>
    /// <remarks>Left out of the stored stage options while equal, the split of runs made before the option existed.</remarks>
    [LegacyValue(TaskBatchSplit.Equal)]
    public TaskBatchSplit BatchSplit { get; init; } = TaskBatchSplit.Proportional;

    /// <summary>Stochastic task sampling (default true; false = the ablation "w/o stochastic task sampling").</summary>
    public bool StochasticTaskSampling { get; init; } = true;

    /// <summary>Learning rates (paper: 0.3 for P* and for u, v).</summary>
    public PromptLearningRates Rates { get; init; } = PromptLearningRates.SourceTraining;

    /// <summary>Loop settings (paper: 5 epochs over the mixture, batch 32).</summary>
    public TrainingLoopOptions Loop { get; init; } = new() { Epochs = 5 };

    /// <summary>The task sampler settings these options imply.</summary>
    public TaskSamplerOptions SamplerOptions() => new()
    {
        BatchSize = Loop.BatchSize,
        MaxTasksPerBatch = MaxTasksPerBatch,
        SizeCap = MixingSizeCap,
        WithReplacement = SampleTasksWithReplacement,
        BatchSplit = BatchSplit,
        StochasticTaskSampling = StochasticTaskSampling,
    };
}
