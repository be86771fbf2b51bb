using Mpt.Evaluation;
using Mpt.Tasks;
using Mpt.Tokenization;
using Mpt.Training;

namespace Mpt.Pipeline;

/// <summary>
/// A stage's data for one task: the formatted rows of a split (through <see cref="EvaluationData.Load"/>, so training
/// reads files exactly as evaluation does) and their tokenised form (<see cref="T5FeatureConverter"/>) as
/// <see cref="TrainingExample"/>s.
/// </summary>
public static class TaskDataLoader
{
    /// <summary>Formatted rows of <paramref name="split"/> of <paramref name="data"/>, with the entry's example cap.</summary>
    /// <exception cref="InvalidDataException">The split has no examples (the file and split are named).</exception>
    public static IReadOnlyList<TextToTextRow> Rows(TaskDefinition task, TaskDataConfig data, DataSplit split, FormatOptions format)
    {
        int? max = split switch
        {
            DataSplit.Train => data.MaxTrainExamples,
            DataSplit.Validation => data.MaxDevExamples,
            _ => data.MaxTestExamples,
        };
        var dataset = EvaluationData.Load(task, data.Data!, split, max, format);
        if (dataset.Rows.Count == 0)
            throw new InvalidDataException($"{data.Data}: task '{task.Name}' has no {split.ToString().ToLowerInvariant()} examples.");
        return dataset.Rows;
    }

    /// <summary>
    /// Tokenises rows the way ATTEMPT's preprocessing does (sources truncated to <paramref name="maxSourceLength"/> with eos
    /// kept; classification targets to the longest label) and tags them with <paramref name="taskId"/>. The ids are kept
    /// in one <see cref="TokenIdStore"/> for the call (2 bytes an id).
    /// </summary>
    public static IReadOnlyList<TrainingExample> Tokenize(TaskDefinition task, IReadOnlyList<TextToTextRow> rows, T5Tokenizer tokenizer,
        int maxSourceLength, int taskId, int freeTextMaxTargetLength = 128)
    {
        var converter = T5FeatureConverter.ForTask(task, tokenizer, maxSourceLength, freeTextMaxTargetLength);
        // One shared store for the task's inputs and targets: 2 bytes an id instead of a long[] per sequence, so that the
        // paper's ~1.1 M source examples stay small in RAM (issue 17 item 6, docs/performance.md).
        var store = new TokenIdStore(tokenizer.VocabSize, $"task '{task.Name}' examples");
        var examples = new List<TrainingExample>(rows.Count);
        foreach (var r in rows)
            examples.Add(new TrainingExample(store.Add(converter.EncodeSource(r.Source)), store.Add(converter.EncodeTarget(r.Target)), taskId));
        return examples;
    }

    /// <summary>Mean tokens (input + target) of an example, for the tokens-per-second estimate.</summary>
    public static double MeanTokens(IReadOnlyList<TrainingExample> examples) =>
        examples.Count == 0 ? 0 : examples.Average(e => (double)e.InputIds.Count + e.LabelIds.Count);
}
