using Mpt.Evaluation;
using Mpt.Tasks;
using Mpt.Training;

namespace Mpt.Backbones;

/// <summary>
/// A backbone bound to an ordered set of tasks (task id k = the k-th task): the prompt backbone the trainers build on,
/// the conversion of formatted rows to <see cref="TrainingExample"/>s, and the one evaluation interface
/// (<see cref="ITaskScorer"/>) used for dev scores and test metrics alike.
/// </summary>
public interface IBackboneTaskSet : ITaskScorer, IDisposable
{
    /// <summary>The tasks, in task-id order.</summary>
    IReadOnlyList<TaskDefinition> Tasks { get; }

    /// <summary>What the trainers see.</summary>
    IPromptBackbone PromptBackbone { get; }

    /// <summary>Tokenised examples of task <paramref name="taskId"/>'s rows, inputs cut to <paramref name="maxSourceLength"/> tokens.</summary>
    /// <exception cref="InvalidDataException">A row's target is not one of a classifier's labels (task and value named).</exception>
    IReadOnlyList<TrainingExample> Examples(IReadOnlyList<TextToTextRow> rows, int taskId, int maxSourceLength);

    /// <summary>
    /// The "no prompt" baseline: task <paramref name="taskId"/>'s rows scored by the frozen backbone alone (an encoder's
    /// own sentence embedding against the label descriptions; T5 generating from the bare input).
    /// </summary>
    TaskEvaluationResult EvaluateWithoutPrompt(int taskId, IReadOnlyList<TextToTextRow> rows, int maxSourceLength);
}

/// <summary>
/// Scores a prompted model on one task's rows: the task's metrics, their average (ATTEMPT's <c>average_metrics</c>,
/// higher is better, in %) as the dev score for checkpoint selection, and the predictions for test results.
/// </summary>
public interface ITaskScorer
{
    /// <summary>Predicts every row with <paramref name="model"/>'s prompt for task <paramref name="taskId"/> and scores the predictions.</summary>
    TaskEvaluationResult Evaluate(IPromptedModel model, int taskId, IReadOnlyList<TextToTextRow> rows, int maxSourceLength);
}
