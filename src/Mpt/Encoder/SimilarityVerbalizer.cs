using Mpt.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Encoder;

/// <summary>
/// Classification without an LM head (docs/data.md, MiniLM): the score of label c is the cosine between the pooled
/// output of the prompted input and the frozen embedding e_c of the label's description text, divided by a temperature,
/// score_c = cos(pool([P; x]), e_c) / τ. The label embeddings are computed once, by the frozen encoder without any prompt
/// (sentence-transformers mean pooling, L2-normalised), and stored without gradient, so only the prompt trains — the
/// MPT setting where nothing but prompt parameters is learned.
/// </summary>
/// <remarks>
/// Tasks may have different numbers of labels; rows of a mixed-task batch are scored against their own task's labels
/// and the missing columns get <see cref="PaddingScore"/>, so a softmax gives them probability 0 and the distillation
/// KL contributes exactly 0 for them (a finite value, unlike −∞, keeps 0·(log p − log q) from turning into NaN).
/// </remarks>
public sealed class SimilarityVerbalizer : IDisposable
{
    /// <summary>τ = 0.05: the sentence-transformers contrastive scale 20 = 1/0.05, and better than 0.1 in docs/data.md's reference run.</summary>
    public const double DefaultTemperature = 0.05;

    /// <summary>Score of a label column the row's task does not have.</summary>
    public const double PaddingScore = -1e9;

    private readonly Tensor _labels; // (K, Cmax, D) unit rows, zeros on padding
    private readonly Tensor _valid;  // (K, Cmax) bool

    /// <summary>Builds the verbaliser from label embeddings, one [C_k, D] matrix per task (normalised here; copied).</summary>
    /// <param name="labelEmbeddingsByTask">Task k's label embeddings, row c = label c.</param>
    /// <param name="temperature">τ &gt; 0.</param>
    public SimilarityVerbalizer(IReadOnlyList<Tensor> labelEmbeddingsByTask, double temperature = DefaultTemperature)
    {
        if (labelEmbeddingsByTask.Count == 0) throw new ArgumentException("need the label embeddings of at least one task.", nameof(labelEmbeddingsByTask));
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), $"temperature must be positive, got {temperature}.");
        long width = labelEmbeddingsByTask[0].dim() == 2 ? labelEmbeddingsByTask[0].shape[1] : -1;
        for (int k = 0; k < labelEmbeddingsByTask.Count; k++)
        {
            var e = labelEmbeddingsByTask[k];
            if (e.dim() != 2 || e.shape[0] < 2 || e.shape[1] != width)
                throw new ArgumentException($"task {k}: label embeddings must be [C, {width}] with C >= 2 labels, got [{string.Join(",", e.shape)}].", nameof(labelEmbeddingsByTask));
        }
        Temperature = temperature;
        LabelCounts = labelEmbeddingsByTask.Select(e => (int)e.shape[0]).ToList();
        int maxLabels = LabelCounts.Max();
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var padded = labelEmbeddingsByTask.Select(e =>
        {
            var unit = torch.nn.functional.normalize(e.detach().to(ScalarType.Float32, torch.CPU), p: 2, dim: 1, eps: 1e-12);
            return torch.nn.functional.pad(unit, [0, 0, 0, maxLabels - e.shape[0]]);                 // (Cmax, D)
        }).ToList();
        _labels = torch.stack(padded, 0).MoveToOuterDisposeScope().DetachFromDisposeScope();          // (K, Cmax, D)
        var valid = LabelCounts.Select(c => torch.arange(maxLabels).lt(c)).ToList();
        _valid = torch.stack(valid, 0).MoveToOuterDisposeScope().DetachFromDisposeScope();            // (K, Cmax)
    }

    /// <summary>
    /// Encodes every task's label descriptions with the frozen <paramref name="model"/> (no prompt, no gradient,
    /// dropout off) and builds the verbaliser: e_c = normalise(mean-pool(BERT([CLS] description_c [SEP]))).
    /// </summary>
    /// <param name="model">The frozen encoder (its training mode is restored afterwards).</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="descriptionsByTask">Task k's label descriptions, label c at index c (at least two per task).</param>
    /// <param name="temperature">τ.</param>
    /// <param name="maxLength">Longest description in tokens.</param>
    public static SimilarityVerbalizer Create(BertModel model, IEncoderTokenizer tokenizer,
        IReadOnlyList<IReadOnlyList<string>> descriptionsByTask, double temperature = DefaultTemperature, int maxLength = 128)
    {
        if (descriptionsByTask.Count == 0) throw new ArgumentException("need the label descriptions of at least one task.", nameof(descriptionsByTask));
        for (int k = 0; k < descriptionsByTask.Count; k++)
        {
            var labels = descriptionsByTask[k];
            if (labels.Count < 2) throw new ArgumentException($"task {k} has {labels.Count} label description(s); a classifier needs at least 2.", nameof(descriptionsByTask));
            int blank = labels.ToList().FindIndex(string.IsNullOrWhiteSpace);
            if (blank >= 0) throw new ArgumentException($"task {k}: label {blank} has an empty description.", nameof(descriptionsByTask));
        }
        bool wasTraining = model.training;
        model.train(false);
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = torch.no_grad();
            var embeddings = new List<Tensor>();
            foreach (var labels in descriptionsByTask)
            {
                var batch = EncoderBatch.Pad(labels.Select(d => tokenizer.Encode(d, null, maxLength)).ToList(), tokenizer.PadTokenId);
                var (ids, mask, types) = batch.ToTensors();
                var output = model.Forward(ids, mask, types);
                embeddings.Add(MeanPooling.Normalized(output.LastHiddenState, mask));                 // (C_k, D)
            }
            var verbalizer = new SimilarityVerbalizer(embeddings, temperature);
            verbalizer.Descriptions = descriptionsByTask.Select(d => (IReadOnlyList<string>)d.ToList()).ToList();
            return verbalizer;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>τ: cosines are divided by it.</summary>
    public double Temperature { get; }

    /// <summary>Number of labels C_k of every task k.</summary>
    public IReadOnlyList<int> LabelCounts { get; }

    /// <summary>Number of tasks K (valid task ids 0..K-1).</summary>
    public int NumTasks => LabelCounts.Count;

    /// <summary>The label descriptions the embeddings were computed from, or null when built from embeddings.</summary>
    public IReadOnlyList<IReadOnlyList<string>>? Descriptions { get; private set; }

    /// <summary>A copy of task <paramref name="task"/>'s unit label embeddings [C_k, D] (float32).</summary>
    public Tensor LabelEmbeddings(int task)
    {
        if (task < 0 || task >= NumTasks) throw new ArgumentOutOfRangeException(nameof(task), $"task {task} is not in [0, {NumTasks - 1}].");
        return _labels[task].narrow(0, 0, LabelCounts[task]).clone();
    }

    /// <summary>
    /// Label scores cos(pooled_b, e_c) / τ for every row's own task: (B, D) unit vectors and task ids (B) → (B, Cmax)
    /// float32, columns past C_{task_b} set to <see cref="PaddingScore"/>.
    /// </summary>
    public Tensor Scores(Tensor pooled, Tensor taskIds)
    {
        if (pooled.dim() != 2 || pooled.shape[1] != _labels.shape[2])
            throw new ArgumentException($"pooled outputs must be (B, {_labels.shape[2]}), got [{string.Join(",", pooled.shape)}].", nameof(pooled));
        if (taskIds.dim() != 1 || taskIds.shape[0] != pooled.shape[0])
            throw new ArgumentException($"task ids must be (B) with B = {pooled.shape[0]}, got [{string.Join(",", taskIds.shape)}].", nameof(taskIds));
        using var scope = NewDisposeScope();
        var ids = taskIds.to(ScalarType.Int64, _labels.device);
        // One host sync per batch turns an opaque index_select failure into a message naming the task.
        long min = ids.min().item<long>(), max = ids.max().item<long>();
        if (min < 0 || max >= NumTasks)
            throw new ArgumentOutOfRangeException(nameof(taskIds), $"task ids must lie in [0, {NumTasks - 1}] (the verbaliser has the labels of {NumTasks} task(s)), got values in [{min}, {max}].");
        var labels = _labels.index_select(0, ids).to(pooled.device);                              // (B, Cmax, D)
        var cosines = torch.bmm(labels, pooled.to(ScalarType.Float32).unsqueeze(-1)).squeeze(-1);  // (B, Cmax)
        var valid = _valid.index_select(0, ids).to(pooled.device);                                // (B, Cmax)
        var scores = cosines.Over(Temperature).FilledWhere(valid.logical_not(), PaddingScore);
        return scores.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _labels.Dispose();
        _valid.Dispose();
    }
}
