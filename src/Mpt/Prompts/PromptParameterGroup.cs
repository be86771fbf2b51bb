using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mpt.Prompts;

/// <summary>A named set of prompt parameters that share one learning rate.</summary>
/// <param name="Name">One of <see cref="PromptParameterGroupNames"/>.</param>
/// <param name="Parameters">The parameters of the group.</param>
public sealed record PromptParameterGroup(string Name, IReadOnlyList<Parameter> Parameters);

/// <summary>The group names prompt encoders use.</summary>
public static class PromptParameterGroupNames
{
    /// <summary>
    /// The shared prompt: P* of MPT, or the whole prompt of plain prompt tuning ("slow" weights, lr 0.3 in the paper).
    /// </summary>
    public const string Shared = "shared";

    /// <summary>MPT's task-specific rank-r factors u (<c>prefix_task_cols</c>) and v (<c>prefix_task_rows</c>) ("fast" weights).</summary>
    public const string TaskSpecific = "task_specific";
}
