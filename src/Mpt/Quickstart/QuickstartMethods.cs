namespace Mpt.Quickstart;

/// <summary>Method keys of the quickstart's results.json (PT, SPoT and MPT use the report's keys).</summary>
public static class QuickstartMethods
{
    /// <summary>Always the most frequent training label.</summary>
    public const string Majority = "majority";

    /// <summary>The frozen encoder without a prompt: cosine between the sentence embedding and the label descriptions.</summary>
    public const string NoPrompt = "no-prompt";

    /// <summary>Prompt tuning from a sampled-vocabulary init (Lester et al. 2021).</summary>
    public const string PromptTuning = "pt";

    /// <summary>SPoT: start from a source task's teacher prompt (Vu et al. 2022).</summary>
    public const string Spot = "spot";

    /// <summary>MPT: P* and the averaged u, v of the distilled multitask prompt (Wang et al. 2023).</summary>
    public const string Mpt = "mpt";
}
