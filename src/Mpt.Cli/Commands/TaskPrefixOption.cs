using System.CommandLine;
using Mpt.Peft;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>--no-task-prefix</c> of <c>mpt predict</c> and <c>mpt evaluate</c>, and the decision it feeds: whether inputs get
/// the task prefix. A prompt learns one input format (ATTEMPT's <c>add_prefix</c>, the run config's <c>add_prefix</c>),
/// so the format recorded with the prompt (<see cref="TrainedInput"/>) is the default; without a record the verbs keep
/// their historical default (prefix on, as ATTEMPT trains), and the flag always wins.
/// </summary>
public static class TaskPrefixOption
{
    /// <summary>The flag.</summary>
    public static Option<bool> Create() => new("--no-task-prefix")
    {
        Description = "Write inputs without the task-name prefix. Default: as the prompt's mpt_task.json records its training inputs; with no record, with the prefix (ATTEMPT's format).",
    };

    /// <summary>
    /// Whether to add the prefix: off when the flag is given, else the record's choice, else on. When the flag contradicts
    /// the record a one-line note goes to <paramref name="notes"/>, since the predictions then use another format than training.
    /// </summary>
    public static bool AddPrefix(ParseResult parse, Option<bool> noPrefix, TrainedInput? record, TextWriter notes)
    {
        bool flagGiven = parse.GetResult(noPrefix) is not null && parse.GetValue(noPrefix);
        if (!flagGiven) return record?.AddPrefix ?? true;
        if (record is { AddPrefix: true })
            notes.WriteLine($"note: the prompt was trained on inputs with the prefix '{record.Prefix}'; --no-task-prefix writes them without it.");
        return false;
    }
}
