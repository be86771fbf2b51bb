using Mpt.Checkpoints;
using Mpt.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Reports;

/// <summary>
/// Task similarity from learned prompts, for the report's heatmaps: cosine similarity between flattened per-task
/// tensors, the measure SPoT (Vu et al. 2022, "Prompt Transferability") uses to compare task prompts.
/// </summary>
public static class TaskSimilarity
{
    /// <summary>
    /// Pairwise cosine similarity of the flattened <paramref name="items"/> (all with the same number of elements),
    /// computed in float64: [i, j] = ⟨x_i, x_j⟩ / (‖x_i‖ ‖x_j‖). A pair involving an all-zero tensor is NaN (undefined).
    /// </summary>
    /// <exception cref="ArgumentException">No items, or items of different sizes.</exception>
    public static double[,] Cosine(IReadOnlyList<Tensor> items)
    {
        if (items.Count == 0) throw new ArgumentException("need at least one tensor.", nameof(items));
        long size = items[0].numel();
        for (int i = 1; i < items.Count; i++)
            if (items[i].numel() != size)
                throw new ArgumentException($"tensor {i} has {items[i].numel()} elements, tensor 0 has {size}: only tensors of one shape can be compared.", nameof(items));

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.stack(items.Select(t => t.detach().to(ScalarType.Float64, torch.CPU).flatten()).ToArray()); // (N, D)
        var gram = x.matmul(x.t());                                                                              // (N, N)
        var norms = gram.diagonal().sqrt();                                                                      // (N)
        var cosine = gram / norms.unsqueeze(1) / norms.unsqueeze(0);                                             // 0/0 → NaN
        double[] flat = cosine.contiguous().data<double>().ToArray();

        int n = items.Count;
        var result = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double value = flat[i * n + j];
                // A zero-norm row gives ±Inf·0 or 0/0; both mean "undefined", shown as NaN.
                result[i, j] = double.IsFinite(value) ? value : double.NaN;
            }
        return result;
    }

    /// <summary>Similarity of single-task teacher prompts (task → P [l, d]), in the dictionary's order.</summary>
    public static SimilarityMatrix OfTeacherPrompts(IReadOnlyList<(string Task, Tensor Prompt)> prompts) =>
        new("Teacher prompts", prompts.Select(p => p.Task).ToList(), Cosine(prompts.Select(p => p.Prompt).ToList()));

    /// <summary>Similarity of the tasks of a multitask prompt, comparing what <paramref name="kind"/> says.</summary>
    /// <param name="prompt">The multitask prompt.</param>
    /// <param name="tasks">Name of each task index.</param>
    /// <param name="kind">Task matrices u_k v_k or composed prompts.</param>
    /// <exception cref="ArgumentException">The number of names differs from the prompt's tasks.</exception>
    public static SimilarityMatrix OfMultitaskPrompt(MultitaskPrompt prompt, IReadOnlyList<string> tasks, MultitaskSimilarity kind)
    {
        if (tasks.Count != prompt.NumTasks)
            throw new ArgumentException($"{tasks.Count} task names for a prompt with {prompt.NumTasks} tasks.", nameof(tasks));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor perTask = kind switch
        {
            MultitaskSimilarity.TaskMatrices => prompt.TaskCols.detach().bmm(prompt.TaskRows.detach()), // (T, l, d): W_k = u_k v_k
            MultitaskSimilarity.ComposedPrompts => prompt.ComposedPrompts(),                              // (T, l, d): P* ∘ W_k
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown similarity kind."),
        };
        string title = kind == MultitaskSimilarity.TaskMatrices ? "MPT task matrices u_k v_k" : "MPT composed prompts";
        return new SimilarityMatrix(title, tasks.ToList(), Cosine(perTask.unbind(0)));
    }

    /// <summary>Reads teacher prompt files (PEFT <c>prompt_embeddings</c>) and compares them.</summary>
    /// <param name="runFolder">Folder the paths are relative to.</param>
    /// <param name="files">Task → prompt file.</param>
    /// <exception cref="InvalidDataException">A file lacks <c>prompt_embeddings</c> or the prompts differ in shape.</exception>
    public static SimilarityMatrix ReadTeacherPrompts(string runFolder, IReadOnlyDictionary<string, string> files)
    {
        var prompts = new List<(string, Tensor)>();
        var loaded = new List<Dictionary<string, Tensor>>();
        try
        {
            long[]? shape = null;
            string? firstFile = null;
            foreach (var (task, relative) in files)
            {
                string path = Path.Combine(runFolder, relative);
                var tensors = SafetensorsFile.Read(path);
                loaded.Add(tensors);
                if (!tensors.TryGetValue(PeftPromptTensorNames.PromptEmbeddings, out var prompt))
                    throw new InvalidDataException($"{path}: teacher prompt of task '{task}' has no tensor '{PeftPromptTensorNames.PromptEmbeddings}' (has: {string.Join(", ", tensors.Keys)}).");
                if (shape is null) (shape, firstFile) = (prompt.shape, path);
                else if (!shape.SequenceEqual(prompt.shape))
                    throw new InvalidDataException($"{path}: prompt shape [{string.Join(", ", prompt.shape)}] differs from [{string.Join(", ", shape)}] of {firstFile}; teacher prompts must share one shape to be compared.");
                prompts.Add((task, prompt));
            }
            return OfTeacherPrompts(prompts);
        }
        finally
        {
            foreach (var tensors in loaded)
                foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Reads a multitask prompt file (PEFT names) and compares its tasks.</summary>
    /// <exception cref="InvalidDataException">The file is not a multitask prompt or its task count differs from the names.</exception>
    public static SimilarityMatrix ReadMultitaskPrompt(string runFolder, MultitaskPromptFile file, MultitaskSimilarity kind)
    {
        string path = Path.Combine(runFolder, file.Path);
        var tensors = SafetensorsFile.Read(path);
        try
        {
            using var prompt = MultitaskPrompt.FromPeftTensors(tensors, path);
            if (prompt.NumTasks != file.Tasks.Count)
                throw new InvalidDataException($"{path}: the prompt has {prompt.NumTasks} tasks but results.json names {file.Tasks.Count} ({string.Join(", ", file.Tasks)}).");
            return OfMultitaskPrompt(prompt, file.Tasks, kind);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
