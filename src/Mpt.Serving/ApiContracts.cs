using System.Text.Json.Serialization;

namespace Mpt.Serving;

/// <summary>The body of <c>POST /v1/tasks/{task}/predict</c>.</summary>
/// <param name="Inputs">The texts to label, one result each.</param>
public sealed record PredictRequest([property: JsonPropertyName("inputs")] IReadOnlyList<string> Inputs);

/// <summary>The answer of <c>POST /v1/tasks/{task}/predict</c>: one result per input, in order.</summary>
/// <param name="Task">The task as the request named it.</param>
/// <param name="Results">The label and every label's score per input.</param>
public sealed record PredictResponse(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("results")] IReadOnlyList<PredictResult> Results);

/// <summary>One input's answer: a label and every label's score (a task with labels), or a generated text (a T5 task without labels).</summary>
/// <param name="Label">The best-scored label (absent for a text).</param>
/// <param name="Scores">Every label's score (absent for a text): the encoder's similarity score cos / τ, T5's rank-classification
/// log-likelihood (see <see cref="ServedPrediction"/>).</param>
/// <param name="Text">The greedy generation of a T5 task without labels (absent otherwise).</param>
public sealed record PredictResult(
    [property: JsonPropertyName("label"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Label,
    [property: JsonPropertyName("scores"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, double>? Scores,
    [property: JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text = null)
{
    /// <summary>The answer of a served prediction.</summary>
    public static PredictResult Of(ServedPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        return prediction.Text is { } text ? new PredictResult(null, null, text) : new PredictResult(prediction.Label, prediction.Scores);
    }
}

/// <summary>The answer of <c>GET /v1/tasks</c>.</summary>
/// <param name="Tasks">Every served task.</param>
public sealed record TaskListResponse([property: JsonPropertyName("tasks")] IReadOnlyList<TaskInfo> Tasks);

/// <summary>A served task as <c>GET /v1/tasks</c> describes it.</summary>
/// <param name="Name">The task name.</param>
/// <param name="Aliases">Other names of it.</param>
/// <param name="Backbone">The model the prompt is for.</param>
/// <param name="Labels">Its labels, class c at index c.</param>
/// <param name="PromptLength">Prompt length l.</param>
/// <param name="Parameters">The prompt's parameter count.</param>
public sealed record TaskInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("aliases")] IReadOnlyList<string> Aliases,
    [property: JsonPropertyName("backbone")] string Backbone,
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("prompt_length")] int PromptLength,
    [property: JsonPropertyName("parameters")] long Parameters);

/// <summary>The answer of <c>GET /healthz</c> and <c>GET /readyz</c>.</summary>
/// <param name="Status"><c>alive</c> or <c>ready</c>.</param>
public sealed record StatusResponse([property: JsonPropertyName("status")] string Status);

/// <summary>The body of <c>PUT /v1/adapters/{task}</c>.</summary>
/// <param name="Path">A PEFT adapter folder or Mpt prompt file inside <c>--adapter-dir</c> (relative to it, or absolute).</param>
public sealed record AdapterRequest([property: JsonPropertyName("path")] string Path);
