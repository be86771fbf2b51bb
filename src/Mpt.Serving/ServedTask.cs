using Mpt.Prompts;
using Mpt.Tasks;

namespace Mpt.Serving;

/// <summary>One task a server answers: its name, the task definition (labels and label descriptions), and its prompt.</summary>
/// <remarks>The prompt is a single-task prompt (a multitask prompt is served one task at a time, see <see cref="PromptRegistry"/>)
/// and is owned by the registry that loaded it.</remarks>
public sealed class ServedTask
{
    internal ServedTask(string name, TaskDefinition definition, string source, PromptEncoder prompt, PromptFactors? factors = null)
    {
        Factors = factors;
        Name = name;
        Definition = definition;
        Source = source;
        Prompt = prompt;
    }

    /// <summary>The name requests use (<c>POST /v1/tasks/{name}/predict</c>).</summary>
    public string Name { get; }

    /// <summary>The task: its labels (class c at index c) and the descriptions the encoder compares inputs with.</summary>
    public TaskDefinition Definition { get; }

    /// <summary>The labels, class c at index c.</summary>
    public IReadOnlyList<string> Labels => Definition.Labels ?? [];

    /// <summary>The task prefix the prompt's training inputs started with (its <c>mpt_task.json</c>), or null: requests'
    /// inputs get it, followed by a space, before they are encoded, since a prompt scores inputs of its training format.</summary>
    public string? InputPrefix { get; internal set; }

    /// <summary>An input as the prompt saw inputs in training.</summary>
    internal string Format(string input) => Peft.TrainedInput.Format(InputPrefix, input);

    /// <summary>The adapter folder or prompt file the prompt was loaded from.</summary>
    public string Source { get; }

    /// <summary>Prompt length l.</summary>
    public int PromptLength => Prompt.NumVirtualTokens;

    /// <summary>The prompt's parameter count (l × d for a soft prompt).</summary>
    public long Parameters => Prompt.parameters().Sum(p => p.numel());

    /// <summary>Other names that resolve to this task (e.g. <c>TARGET</c> and <c>TARGET/METHOD</c> of a run folder).</summary>
    public IReadOnlyList<string> Aliases => _aliases;

    /// <summary>
    /// The prompt; for an MPT prompt whose P* is shared (<see cref="Factors"/>), the module holding P*, whose own u, v may
    /// be another task's: the task's prompt is then P* ∘ (u_k v_k) from its factors.
    /// </summary>
    internal PromptEncoder Prompt { get; }

    /// <summary>The task's u_k, v_k over a shared P* (an MPT prompt), or null (a soft prompt, its rows in <see cref="Prompt"/>).</summary>
    internal PromptFactors? Factors { get; }

    private readonly List<string> _aliases = [];

    internal void AddAlias(string alias)
    {
        if (!_aliases.Contains(alias)) _aliases.Add(alias);
    }
}
