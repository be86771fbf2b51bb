using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Reports;
using Mpt.Tasks;

namespace Mpt.Backbones;

/// <summary>
/// The frozen model a run trains prompts for, whatever its family: what <see cref="Pipeline.PipelineRunner"/> and the
/// CLI verbs need from it beyond the trainers' <see cref="Training.IPromptBackbone"/>: which tasks it can do, a prompt
/// backbone plus example conversion and scoring for a set of tasks, its fingerprint and PEFT adapter config, and its
/// entry in results.json. Loaded in one place (<see cref="RunBackbones.Load"/>). Implementations: <see cref="T5RunBackbone"/>
/// (generation) and <see cref="EncoderRunBackbone"/> (a BERT encoder with the similarity verbaliser).
/// </summary>
public interface IRunBackbone : IDisposable
{
    /// <summary>Short family name for messages: <c>T5</c> or <c>BERT encoder</c>.</summary>
    string Kind { get; }

    /// <summary>What the config named (<c>model.path</c>) or the model's published name, for messages and results.json.</summary>
    string Name { get; }

    /// <summary>Whether <paramref name="task"/> can run on this backbone.</summary>
    /// <exception cref="Pipeline.ConfigException">It cannot (an encoder and a free-text task); the task and the backbone are named.</exception>
    void EnsureSupports(TaskDefinition task);

    /// <summary>
    /// The prompt backbone, example conversion and scorer for <paramref name="tasks"/>, task id k = position k (an
    /// encoder embeds the tasks' label descriptions once here, so make one per set of tasks and dispose it).
    /// </summary>
    IBackboneTaskSet ForTasks(IReadOnlyList<TaskDefinition> tasks);

    /// <summary>The model's fingerprint (computed once), recorded next to every prompt saved for it.</summary>
    ModelFingerprint Fingerprint { get; }

    /// <summary>The PEFT adapter config of <paramref name="encoder"/> as a prompt for this model (base model name included).</summary>
    PeftAdapterConfig AdapterConfig(PromptEncoder encoder);

    /// <summary>The results.json model entry.</summary>
    ModelSummary Summary();
}
