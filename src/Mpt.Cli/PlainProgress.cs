using System.Globalization;
using Mpt.Pipeline;
using Mpt.Training;

namespace Mpt.Cli;

/// <summary>Progress as plain log lines (stdout not a terminal, or --quiet): one line per logged step.</summary>
public sealed class PlainProgress(TextWriter output) : IPipelineProgress
{
    /// <inheritdoc/>
    public void RunStarted(string label, long totalSteps) => output.WriteLine($"[{label}] training: {totalSteps} steps");

    /// <inheritdoc/>
    public void StepCompleted(string label, TrainingLogEntry entry, double tokensPerSecond, bool log)
    {
        if (!log) return;
        var invariant = CultureInfo.InvariantCulture;
        string loss = entry.Loss is { } value ? string.Create(invariant, $" loss {value:F4}") : "";
        string tail = entry.IsInitial ? " (initial prompt)" : string.Create(invariant, $" {tokensPerSecond:F0} tok/s");
        output.WriteLine(string.Create(invariant,
            $"[{label}] step {entry.Step}/{entry.TotalSteps}{loss}{string.Concat(entry.Parts.Select(p => string.Create(invariant, $" {p.Key} {p.Value:F4}")))}" +
            $"{string.Concat(entry.LearningRates.Select(p => string.Create(invariant, $" lr[{p.Key}] {p.Value:G3}")))}{(entry.DevScore is { } d ? string.Create(invariant, $" dev {d:F2}") : "")}{tail}"));
    }

    /// <inheritdoc/>
    public void RunFinished(string label, string summary) => output.WriteLine($"[{label}] {summary}");

    /// <inheritdoc/>
    public void Message(string text) => output.WriteLine(text);
}
