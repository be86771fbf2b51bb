using System.Globalization;
using System.Text;
using Mpt.Peft;
using Mpt.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Reports;

/// <summary>
/// How far apart the distilled multitask prompts of several runs are (e.g. distillations that differ only in their seed,
/// or the same run on two machines): for every pair of prompts, the relative Frobenius distance and the cosine similarity
/// of the shared prompt P*, of each source task's composed prompt P̂_k = P* ∘ u_k v_k (paper Eq. 2), and of the prompt an
/// MPT target run starts from (P* ∘ ū v̄, the average of the source u, v: <see cref="TargetInit.AverageSourceTasks"/>).
/// </summary>
/// <remarks>
/// Relative Frobenius distance: ‖A − B‖_F / ((‖A‖_F + ‖B‖_F) / 2) — symmetric, 0 for equal tensors, √2 for orthogonal
/// tensors of equal norm, 2 for B = −A. Cosine: the measure the report's task-similarity heatmaps use
/// (<see cref="TaskSimilarity.Cosine"/>, SPoT's prompt similarity). Both in float64.
/// </remarks>
public static class PromptSpread
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Name of the shared-prompt part.</summary>
    public const string SharedPart = "P*";

    /// <summary>Name of the MPT target-init part.</summary>
    public const string TargetInitPart = "target init P* ∘ mean(u) mean(v)";

    /// <summary>One compared part of two prompts.</summary>
    /// <param name="Part">P*, a source's composed prompt, or the target init.</param>
    /// <param name="A">Index of the first prompt.</param>
    /// <param name="B">Index of the second prompt.</param>
    /// <param name="RelativeFrobenius">‖A − B‖_F / mean(‖A‖_F, ‖B‖_F).</param>
    /// <param name="Cosine">Cosine similarity of the flattened tensors.</param>
    public sealed record Distance(string Part, int A, int B, double RelativeFrobenius, double Cosine);

    /// <summary>‖a − b‖_F / ((‖a‖_F + ‖b‖_F) / 2) in float64; NaN when both are zero.</summary>
    /// <exception cref="ArgumentException">The tensors differ in shape.</exception>
    public static double RelativeFrobenius(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"shapes [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}] differ: only tensors of one shape can be compared.", nameof(b));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = a.detach().to(ScalarType.Float64, torch.CPU);
        var y = b.detach().to(ScalarType.Float64, torch.CPU);
        double difference = (x - y).norm().item<double>();
        double scale = (x.norm().item<double>() + y.norm().item<double>()) / 2;
        return scale == 0 ? double.NaN : difference / scale;
    }

    /// <summary>Every pair of <paramref name="prompts"/> (all with the same shape and number of tasks), part by part.</summary>
    /// <param name="prompts">The distilled prompts.</param>
    /// <param name="tasks">Name of each source task index (used in the part names).</param>
    /// <exception cref="ArgumentException">Fewer than two prompts, or prompts of different shapes or task counts.</exception>
    public static IReadOnlyList<Distance> Compare(IReadOnlyList<MultitaskPrompt> prompts, IReadOnlyList<string> tasks)
    {
        if (prompts.Count < 2) throw new ArgumentException($"need at least two prompts to compare, got {prompts.Count}.", nameof(prompts));
        foreach (var p in prompts)
            if (p.NumTasks != tasks.Count || p.NumVirtualTokens != prompts[0].NumVirtualTokens || p.TokenDim != prompts[0].TokenDim)
                throw new ArgumentException($"every prompt needs {tasks.Count} tasks and shape [{prompts[0].NumVirtualTokens}, {prompts[0].TokenDim}]; " +
                                            $"one has {p.NumTasks} tasks and shape [{p.NumVirtualTokens}, {p.TokenDim}].", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        // The parts of each prompt, in one order: P*, the composed source prompts, the target init.
        var parts = prompts.Select(p =>
        {
            var list = new List<(string Name, Tensor Value)> { (SharedPart, p.SharedPrompt.detach()) };
            for (int k = 0; k < tasks.Count; k++) list.Add(($"source {tasks[k]} P* ∘ u v", p.ComposedPrompt(k)));
            using var target = MultitaskPrompt.FromSource(p, TargetInit.AverageSourceTasks);
            list.Add((TargetInitPart, target.ComposedPrompt(0).detach().clone()));
            return list;
        }).ToList();
        var result = new List<Distance>();
        for (int part = 0; part < parts[0].Count; part++)
        {
            var cosine = TaskSimilarity.Cosine(parts.Select(p => p[part].Value).ToList());
            for (int i = 0; i < prompts.Count; i++)
                for (int j = i + 1; j < prompts.Count; j++)
                    result.Add(new Distance(parts[0][part].Name, i, j, RelativeFrobenius(parts[i][part].Value, parts[j][part].Value), cosine[i, j]));
        }
        return result;
    }

    /// <summary>
    /// The multitask prompt at <paramref name="path"/>: a pipeline run folder (its <c>distill/</c>), a distillation run
    /// folder, a PEFT adapter folder or a prompt file (<see cref="PromptLoading"/>; no model check).
    /// </summary>
    /// <exception cref="InvalidDataException">The prompt is not a multitask prompt.</exception>
    public static MultitaskPrompt Load(string path)
    {
        string distill = Path.Combine(path, Pipeline.PipelineRunner.DistillDir);
        string resolved = Directory.Exists(distill) ? distill : path;
        var prompt = PromptLoading.Load(resolved, (ModelFingerprint?)null, allowMismatch: true);
        if (prompt is MultitaskPrompt m) return m;
        prompt.Dispose();
        throw new InvalidDataException($"{resolved}: not a multitask prompt (P*, u, v); give a distillation's prompt.");
    }

    /// <summary>
    /// The comparison as text: per part the mean, min and max over the pairs of both measures, then every pair's P* and
    /// target-init distances.
    /// </summary>
    public static string Format(IReadOnlyList<string> names, IReadOnlyList<Distance> distances)
    {
        var text = new StringBuilder();
        int pairs = names.Count * (names.Count - 1) / 2;
        text.AppendLine($"distances between {names.Count} distilled prompts ({pairs} pairs): relative Frobenius ‖A − B‖ / mean(‖A‖, ‖B‖) and cosine");
        for (int i = 0; i < names.Count; i++) text.AppendLine($"  [{i}] {names[i]}");
        var rows = new List<string[]> { new[] { "part", "rel. Frobenius mean [min, max]", "cosine mean [min, max]" } };
        foreach (var part in distances.GroupBy(d => d.Part))
            rows.Add([part.Key, Summary(part.Select(d => d.RelativeFrobenius)), Summary(part.Select(d => d.Cosine))]);
        Table(text, rows);
        text.AppendLine();
        var pairRows = new List<string[]> { new[] { "pair", "P* rel. F", "P* cos", "target init rel. F", "target init cos" } };
        foreach (var shared in distances.Where(d => d.Part == SharedPart))
        {
            var target = distances.Single(d => d.Part == TargetInitPart && d.A == shared.A && d.B == shared.B);
            pairRows.Add([$"[{shared.A}] – [{shared.B}]", F(shared.RelativeFrobenius), F(shared.Cosine), F(target.RelativeFrobenius), F(target.Cosine)]);
        }
        Table(text, pairRows);
        return text.ToString();
    }

    private static string F(double value) => value.ToString("F4", Invariant);

    private static string Summary(IEnumerable<double> values)
    {
        var list = values.ToList();
        return $"{F(list.Average())} [{F(list.Min())}, {F(list.Max())}]";
    }

    private static void Table(StringBuilder text, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
    }
}
