namespace Mpt.Peft;

/// <summary>
/// How a saved prompt's training inputs were written, from the <c>mpt_task.json</c> next to its adapter: the task and
/// the prefix every input started with. A prompt learns one input format; <c>mpt predict</c> and <c>mpt evaluate</c>
/// write inputs the same way unless told otherwise, since scoring "sst2 great film" with a prompt trained on "great film"
/// (or the reverse) loses accuracy without any error.
/// </summary>
/// <param name="Task">The task the prompt was trained on.</param>
/// <param name="Prefix">The task prefix inputs started with (followed by a space), or null when they were the text alone.</param>
public sealed record TrainedInput(string Task, string? Prefix)
{
    /// <summary>Whether the task prefix was added (ATTEMPT's <c>add_prefix</c>).</summary>
    public bool AddPrefix => Prefix is not null;

    /// <summary>One raw input as the prompt saw inputs in training.</summary>
    public string Format(string input) => Format(Prefix, input);

    /// <summary>An input after a task prefix and a space (ATTEMPT's <c>"{prefix} {text}"</c>), or as it is without one:
    /// the one place every reader of a recorded prefix (predict, the library, the server) writes inputs.</summary>
    internal static string Format(string? prefix, string input) => prefix is null ? input : $"{prefix} {input}";
}
