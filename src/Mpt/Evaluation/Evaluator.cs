using Mpt.Metrics;
using Mpt.Tasks;
using Mpt.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Evaluation;

/// <summary>
/// Evaluates a (prompted) T5 on formatted task rows the way ATTEMPT does (<c>run_seq2seq.py</c> with
/// <c>predict_with_generate</c>, docs/method.md §6.3): greedy generation, decoding with <c>skip_special_tokens</c>, Python
/// <c>strip()</c> of predictions and targets, then the task's metrics, where any prediction that is not a label string
/// counts as wrong and is reported as <c>invalid_rate</c>. Rank classification
/// (<see cref="EvaluationOptions.RankClassification"/>) is the alternative for classification tasks.
/// Examples are batched by source length; results are always in row order.
/// </summary>
public sealed class Evaluator
{
    private readonly EvaluationModel _model;
    private readonly T5Tokenizer _tokenizer;
    private readonly EvaluationOptions _options;

    /// <summary>Creates an evaluator; the model is switched to eval mode.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="InvalidDataException">The tokenizer does not belong to the model (see <see cref="TokenizerModelPairing"/>).</exception>
    public Evaluator(EvaluationModel model, T5Tokenizer tokenizer, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _options = options ?? EvaluationOptions.Default;
        _options.Validate();
        TokenizerModelPairing.Check(tokenizer, model.Backbone.Config, "being evaluated");
        _model = model;
        _tokenizer = tokenizer;
        _model.Eval();
    }

    /// <summary>
    /// What a generation decodes to when it holds an id the tokenizer does not know (the model's vocabulary may be larger
    /// than the tokenizer's, e.g. t5-base: 32,128 rows for 32,100 ids). It is an invalid prediction: the empty string
    /// is no label and matches no reference, so it counts as wrong under every metric (and in <c>invalid_rate</c>).
    /// </summary>
    public const string InvalidPrediction = "";

    /// <summary>The options in force.</summary>
    public EvaluationOptions Options => _options;

    /// <summary>Evaluates every (task, rows) pair and averages over tasks.</summary>
    public EvaluationReport EvaluateAll(IEnumerable<(TaskDefinition Task, IReadOnlyList<TextToTextRow> Rows)> tasks,
        IReadOnlyDictionary<string, object?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        return new EvaluationReport(tasks.Select(t => Evaluate(t.Task, t.Rows)).ToList(), settings);
    }

    /// <summary>Predicts every row of <paramref name="task"/> and scores the predictions with the task's metrics.</summary>
    /// <exception cref="ArgumentException">No rows, or rank classification asked for a task without labels.</exception>
    public TaskEvaluationResult Evaluate(TaskDefinition task, IReadOnlyList<TextToTextRow> rows)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException($"task '{task.Name}': no examples to evaluate.", nameof(rows));
        var converter = T5FeatureConverter.ForTask(task, _tokenizer, _options.MaxSourceLength, _options.FreeTextMaxNewTokens);
        var sources = rows.Select(r => r.Source).ToList();
        bool rank = _options.RankClassification;
        IReadOnlyList<string> predictions = rank
            ? RankClassify(sources, task.Labels is { Count: > 0 } labels ? labels
                : throw new ArgumentException($"task '{task.Name}' has no label list, so rank classification does not apply (it is for classification tasks)."))
            : Generate(sources, MaxNewTokens(task, converter));
        var targets = rows.Select(r => _options.ScoreDecodedTargets ? DecodeTarget(converter, r.Target) : r.Target).ToList();
        var scoredRows = rows.Select((r, i) => r with { Target = targets[i] }).ToList();

        var metrics = new Dictionary<string, double>(MetricSuite.Score(task, scoredRows, predictions), StringComparer.Ordinal);
        double? invalidRate = null;
        if (task.Labels is { Count: > 0 } valid)
        {
            var set = new HashSet<string>(valid, StringComparer.Ordinal);
            invalidRate = 100.0 * predictions.Count(p => !set.Contains(p)) / predictions.Count;
            metrics[MetricNames.InvalidRate] = invalidRate.Value;
        }
        return new TaskEvaluationResult(task.Name, rows.Count, metrics, invalidRate, EvaluationReport.AverageOf(metrics),
            rank ? "rank" : "generate", predictions, targets);
    }

    /// <summary>
    /// New tokens generated for <paramref name="task"/>: classification → longest tokenised label (eos included) +
    /// <see cref="EvaluationOptions.LabelMargin"/>; free text → <see cref="EvaluationOptions.FreeTextMaxNewTokens"/>.
    /// </summary>
    public int MaxNewTokens(TaskDefinition task, T5FeatureConverter converter) =>
        task.Labels is { Count: > 0 } && converter.MaxTargetLength is int longest
            ? longest + _options.LabelMargin
            : _options.FreeTextMaxNewTokens;

    /// <summary>
    /// Greedy generations for <paramref name="sources"/>, decoded with skip_special_tokens and stripped (ATTEMPT's
    /// post-processor), in the order of <paramref name="sources"/>; a generation holding an id the tokenizer does not
    /// know is <see cref="InvalidPrediction"/>.
    /// </summary>
    public IReadOnlyList<string> Generate(IReadOnlyList<string> sources, int maxNewTokens)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var converter = new T5FeatureConverter(_tokenizer, _options.MaxSourceLength);
        var encoded = sources.Select(converter.EncodeSource).ToList();
        var predictions = new string[sources.Count];
        foreach (int[] batch in LengthBuckets.Plan(encoded.Select(e => e.Length).ToList(), _options.BatchSize, _options.SortByLength))
        {
            using var scope = NewDisposeScope();
            var (inputIds, mask) = T5FeatureConverter.PadInputs(batch.Select(i => encoded[i]).ToList(), _tokenizer.PadId);
            var texts = DecodeGenerations(_tokenizer, _model.Generate(inputIds, mask, maxNewTokens));           // (B, 1+n) → B
            for (int b = 0; b < batch.Length; b++) predictions[batch[b]] = texts[b];
        }
        return predictions;
    }

    /// <summary>
    /// The texts of greedy sequences [B, 1+n] (decoder start first): decoded with skip_special_tokens and stripped
    /// (ATTEMPT's post-processor); a row holding an id the tokenizer does not know is <see cref="InvalidPrediction"/>.
    /// </summary>
    public static IReadOnlyList<string> DecodeGenerations(T5Tokenizer tokenizer, Tensor sequences)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(sequences);
        int rows = (int)sequences.shape[0], length = (int)sequences.shape[1];
        long[] ids = sequences.cpu().data<long>().ToArray();
        var texts = new string[rows];
        for (int b = 0; b < rows; b++)
        {
            int[] row = ids.AsSpan(b * length, length).ToArray().Select(id => (int)id).ToArray();
            texts[b] = row.All(tokenizer.IsKnownId)
                ? PythonWhitespace.Strip(tokenizer.Decode(row, skipSpecialTokens: true))
                : InvalidPrediction;
        }
        return texts;
    }

    /// <summary>
    /// Rank classification of <paramref name="sources"/> among <paramref name="labels"/> (see <see cref="RankClassifier"/>),
    /// in the order of <paramref name="sources"/>.
    /// </summary>
    public IReadOnlyList<string> RankClassify(IReadOnlyList<string> sources, IReadOnlyList<string> labels)
    {
        var scores = RankScores(sources, labels);
        return RankClassifier.Best(scores).Select(c => labels[c]).ToList();
    }

    /// <summary>Rank-classification scores [N, C] (log-probabilities of each label) in the order of <paramref name="sources"/>.</summary>
    public double[,] RankScores(IReadOnlyList<string> sources, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0) throw new ArgumentException("Rank classification needs at least one label.", nameof(labels));
        var converter = new T5FeatureConverter(_tokenizer, _options.MaxSourceLength);
        var encoded = sources.Select(converter.EncodeSource).ToList();
        var candidates = RankClassifier.Candidates(_tokenizer, labels);
        var scores = new double[sources.Count, labels.Count];
        foreach (int[] batch in LengthBuckets.Plan(encoded.Select(e => e.Length).ToList(), _options.BatchSize, _options.SortByLength))
        {
            using var scope = NewDisposeScope();
            var (inputIds, mask) = T5FeatureConverter.PadInputs(batch.Select(i => encoded[i]).ToList(), _tokenizer.PadId);
            double[,] batchScores = RankClassifier.Score(_model, inputIds, mask, candidates);
            for (int b = 0; b < batch.Length; b++)
                for (int c = 0; c < labels.Count; c++) scores[batch[b], c] = batchScores[b, c];
        }
        return scores;
    }

    private string DecodeTarget(T5FeatureConverter converter, string target) =>
        PythonWhitespace.Strip(_tokenizer.Decode(converter.EncodeTarget(target).Select(id => (int)id), skipSpecialTokens: true));
}
