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
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{label}] step {entry.Step}/{entry.TotalSteps} loss {entry.Loss:F4}{string.Concat(entry.Parts.Select(p => $" {p.Key} {p.Value:F4}"))}" +
            $"{string.Concat(entry.LearningRates.Select(p => $" lr[{p.Key}] {p.Value:G3}"))}{(entry.DevScore is { } d ? $" dev {d:F2}" : "")} {tokensPerSecond:F0} tok/s"));
    }

    /// <inheritdoc/>
    public void RunFinished(string label, string summary) => output.WriteLine($"[{label}] {summary}");

    /// <inheritdoc/>
    public void Message(string text) => output.WriteLine(text);
}
