using System.Globalization;
using Mpt.Pipeline;
using Mpt.Training;
using Spectre.Console;

namespace Mpt.Cli;

/// <summary>
/// Progress bars for interactive terminals (Spectre.Console): one bar per training run with ETA, and the current loss,
/// dev score and tokens/s in its description. <see cref="Run"/> hosts the pipeline inside the live display.
/// </summary>
public sealed class SpectreProgress : IPipelineProgress
{
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
    private ProgressContext? _context;

    /// <summary>Runs <paramref name="work"/> while showing the bars.</summary>
    public T Run<T>(Func<T> work) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                _context = context;
                return work();
            });

    private ProgressTask Task(string label, long totalSteps)
    {
        if (!_tasks.TryGetValue(label, out var task))
            _tasks[label] = task = _context!.AddTask(Markup.Escape(label), maxValue: Math.Max(1, totalSteps));
        return task;
    }

    /// <inheritdoc/>
    public void RunStarted(string label, long totalSteps) => Task(label, totalSteps).MaxValue = Math.Max(1, totalSteps);

    /// <inheritdoc/>
    public void StepCompleted(string label, TrainingLogEntry entry, double tokensPerSecond, bool log)
    {
        var task = Task(label, entry.TotalSteps);
        task.Value = entry.Step;
        var invariant = CultureInfo.InvariantCulture;
        string dev = entry.DevScore is { } d ? string.Create(invariant, $" dev {d:F1}") : "";
        task.Description = Markup.Escape(entry.Loss is { } loss
            ? string.Create(invariant, $"{label}  loss {loss:F3}{dev}  {tokensPerSecond:F0} tok/s")
            : $"{label}  initial prompt{dev}");
    }

    /// <inheritdoc/>
    public void RunFinished(string label, string summary)
    {
        if (_tasks.TryGetValue(label, out var task)) task.Value = task.MaxValue;
        AnsiConsole.MarkupLine($"[green]{Markup.Escape(label)}[/] {Markup.Escape(summary)}");
    }

    /// <inheritdoc/>
    public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));
}
