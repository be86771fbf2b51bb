namespace Mpt.Prompts;

/// <summary>
/// Tensor names of PEFT prompt adapters (<c>adapter_model.safetensors</c>, docs/method.md §5.2), kept verbatim so our files
/// load in PEFT and PEFT's load in Mpt without a name map.
/// </summary>
public static class PeftPromptTensorNames
{
    /// <summary>The prompt P of plain prompt tuning [l, d], or MPT's raw shared prompt P* [l, d] (not multiplied by W).</summary>
    public const string PromptEmbeddings = "prompt_embeddings";

    /// <summary>MPT's u per task, [T, l, r].</summary>
    public const string PrefixTaskCols = "prefix_task_cols";

    /// <summary>MPT's vᵀ per task, [T, r, d].</summary>
    public const string PrefixTaskRows = "prefix_task_rows";
}
