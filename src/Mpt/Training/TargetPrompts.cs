using Mpt.Model;
using Mpt.Prompts;

namespace Mpt.Training;

/// <summary>
/// The initial prompt of a target run, for MPT and the baselines that share its trainer (paper §3.2, §4.1, Table 1).
/// </summary>
public static class TargetPrompts
{
    /// <summary>
    /// MPT: P* from the source prompt, u_t, v_t = the average of the source task factors (§3.2; PEFT
    /// <c>AVERAGE_SOURCE_TASKS</c>); τ = <paramref name="numTargets"/> &gt; 1 is MPT*, one P* shared by τ targets with
    /// their own (identically initialised) u, v. A plain source prompt (the "no decomposition" ablation) is copied and τ
    /// must be 1.
    /// </summary>
    public static PromptEncoder FromSource(PromptEncoder source, int numTargets = 1, TargetInit init = TargetInit.AverageSourceTasks)
    {
        switch (source)
        {
            case MultitaskPrompt m:
                return MultitaskPrompt.FromSource(m, init, numTargets);
            case SoftPrompt s:
                if (numTargets != 1) throw new ArgumentException($"a plain source prompt has no task factors to give {numTargets} targets; use one target per run.", nameof(numTargets));
                return Copy(s);
            default:
                throw new ArgumentException($"unsupported source prompt type {source.GetType().Name}.", nameof(source));
        }
    }

    /// <summary>PT baseline (Lester et al. 2021): a fresh l × d prompt of sampled vocabulary rows (first 5000 ids).</summary>
    public static SoftPrompt VocabularyInit(T5ForConditionalGeneration backbone, int promptLength, ulong seed, int pool = PromptInit.DefaultVocabularyPool) =>
        VocabularyInit(new T5PromptBackbone(backbone), promptLength, seed, pool);

    /// <summary>PT baseline for any backbone: l rows sampled from the first <paramref name="pool"/> of its <see cref="IPromptBackbone.VocabularyEmbeddings"/>.</summary>
    public static SoftPrompt VocabularyInit(IPromptBackbone backbone, int promptLength, ulong seed, int pool = PromptInit.DefaultVocabularyPool)
    {
        using var init = PromptInit.SampledVocabulary(backbone.VocabularyEmbeddings, promptLength, seed, pool);
        return new SoftPrompt(init);
    }

    /// <summary>SPoT baseline (Vu et al. 2022): a copy of a source task's trained (teacher) prompt.</summary>
    public static SoftPrompt Spot(SoftPrompt sourcePrompt) => Copy(sourcePrompt);

    private static SoftPrompt Copy(SoftPrompt s)
    {
        using var values = s.Prompt.detach().clone();
        return new SoftPrompt(values);
    }
}
