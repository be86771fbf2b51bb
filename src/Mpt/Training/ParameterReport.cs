using Mpt.Prompts;

namespace Mpt.Training;

/// <summary>
/// Parameter accounting of a prompt (paper §3.2 and Table 1; docs/method.md §2.9): how many values train in this run, how many
/// the prompt holds, and the per-task share — l·d + (l + d)·r for one MPT target (77,668 for T5-Base, l = 100),
/// l·d/τ + (l + d)·r per task for τ targets sharing P* (MPT*), l·d for plain prompt tuning.
/// </summary>
/// <param name="Method">Prompt type ("SoftPrompt" or "MultitaskPrompt").</param>
/// <param name="PromptLength">l.</param>
/// <param name="TokenDim">d.</param>
/// <param name="NumTasks">Tasks the prompt serves (τ or κ).</param>
/// <param name="Rank">r (1 for the paper; 0 for a plain prompt).</param>
/// <param name="TotalParameters">All prompt values (closed form of <see cref="PromptParameterCount"/>).</param>
/// <param name="TrainableParameters">Values with requires_grad in this run (frozen groups excluded).</param>
/// <param name="ParametersPerTask">Total / tasks for a plain prompt; l·d / T + (l + d)·r for a decomposed one.</param>
public sealed record ParameterReport(string Method, int PromptLength, int TokenDim, int NumTasks, int Rank,
    long TotalParameters, long TrainableParameters, double ParametersPerTask)
{
    /// <summary>The report of <paramref name="prompt"/> as it is configured now (call after building the optimizer,
    /// which freezes groups with no learning rate).</summary>
    public static ParameterReport Of(PromptEncoder prompt)
    {
        int l = prompt.NumVirtualTokens, d = prompt.TokenDim, t = prompt.NumTasks;
        return prompt switch
        {
            MultitaskPrompt m => new ParameterReport(nameof(MultitaskPrompt), l, d, t, m.Rank,
                PromptParameterCount.Multitask(l, d, t, m.Rank), prompt.TrainableParameterCount(),
                (double)l * d / t + (double)(l + d) * m.Rank),
            SoftPrompt => new ParameterReport(nameof(SoftPrompt), l, d, t, 0,
                PromptParameterCount.SoftPrompt(l, d), prompt.TrainableParameterCount(), PromptParameterCount.SoftPrompt(l, d)),
            _ => new ParameterReport(prompt.GetType().Name, l, d, t, 0,
                prompt.parameters().Sum(p => p.numel()), prompt.TrainableParameterCount(),
                (double)prompt.parameters().Sum(p => p.numel()) / t),
        };
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Method}: l = {PromptLength}, d = {TokenDim}, tasks = {NumTasks}" + (Rank > 0 ? $", rank = {Rank}" : "") +
        $"; parameters {TotalParameters:N0} (trainable {TrainableParameters:N0}), per task {ParametersPerTask:N1}";
}
