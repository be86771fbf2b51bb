namespace Mpt.Tasks;

/// <summary>
/// One formatted example, exactly as ATTEMPT's <c>seq2seq_format</c> returns it: the model input text, the target
/// text, the task's reference name, and task-specific fields the metrics need (MultiRC <c>group</c>, ReCoRD
/// <c>answers</c>). Tasks emit strings only; tokenisation belongs to the feature converter.
/// </summary>
/// <param name="Source">Input text, e.g. <c>"rte sentence1: … sentence2: …"</c>.</param>
/// <param name="Target">Target text, e.g. the label index string <c>"1"</c>.</param>
/// <param name="Task">The task's reference name (<see cref="TaskDefinition.Prefix"/>, "squad" for the MRQA tasks).</param>
/// <param name="ExtraFields">Extra values (JSON-like: string, long, double, bool, lists, dictionaries).</param>
public sealed record TextToTextRow(string Source, string Target, string Task, IReadOnlyDictionary<string, object?> ExtraFields);
