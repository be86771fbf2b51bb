using System.Globalization;

namespace Mpt.Pipeline;

/// <summary>
/// One share of a stage's independent work items (<see cref="WorkItems"/>) for a job array: shard
/// <see cref="Index"/> of <see cref="Count"/> owns the items at positions <c>Index, Index + Count, Index + 2·Count, …</c> of
/// the stage's item list sorted by folder (round-robin), so every item belongs to exactly one shard and the assignment
/// depends on the config alone, never on timing (docs/sharding.md).
/// </summary>
/// <param name="Index">0-based shard index, 0 ≤ Index &lt; Count.</param>
/// <param name="Count">Number of shards, ≥ 1.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>The environment variable that gives the shard count next to <see cref="KubernetesIndexVariable"/>.</summary>
    public const string CountVariable = "MPT_SHARD_COUNT";

    /// <summary>Slurm job arrays: the element's task id (<c>sbatch --array</c>).</summary>
    public const string SlurmIdVariable = "SLURM_ARRAY_TASK_ID";

    /// <summary>Slurm job arrays: the number of elements.</summary>
    public const string SlurmCountVariable = "SLURM_ARRAY_TASK_COUNT";

    /// <summary>Slurm job arrays: the smallest task id (<c>--array=1-4</c> numbers its elements from 1).</summary>
    public const string SlurmMinVariable = "SLURM_ARRAY_TASK_MIN";

    /// <summary>Kubernetes Indexed Jobs: the pod's completion index (0 … completions − 1).</summary>
    public const string KubernetesIndexVariable = "JOB_COMPLETION_INDEX";

    /// <summary>The value of <c>--shard</c> that ignores the environment and runs every item.</summary>
    public const string Off = "off";

    /// <summary>Whether this shard owns the item at <paramref name="position"/> of the sorted item list.</summary>
    public bool Owns(int position) => position % Count == Index;

    /// <summary>The items of <paramref name="sorted"/> this shard owns (round-robin).</summary>
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> sorted) => sorted.Where((_, i) => Owns(i)).ToList();

    /// <summary>The shard as <c>--shard</c> takes it: <c>INDEX/COUNT</c>.</summary>
    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Creates a shard, checking 0 ≤ index &lt; count and count ≥ 1; <paramref name="source"/> names where the values came from.</summary>
    /// <exception cref="ArgumentException">Out of range (the source is named).</exception>
    public static Shard Of(int index, int count, string source)
    {
        if (count < 1) throw new ArgumentException($"{source}: the shard count must be at least 1, got {count}.");
        if (index < 0 || index >= count)
            throw new ArgumentException($"{source}: the shard index must be in 0..{count - 1} for {count} shard(s), got {index}.");
        return new Shard(index, count);
    }

    /// <summary>Parses <c>INDEX/COUNT</c> (e.g. <c>0/4</c>); <paramref name="source"/> names the flag for the message.</summary>
    /// <exception cref="ArgumentException">Not of that form, or out of range.</exception>
    public static Shard Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        int slash = text.IndexOf('/');
        if (slash < 0 || !TryInt(text[..slash], out int index) || !TryInt(text[(slash + 1)..], out int count))
            throw new ArgumentException($"{source} takes INDEX/COUNT with 0-based INDEX (e.g. 0/4), or '{Off}', got '{text}'.");
        return Of(index, count, $"{source} {text}");
    }

    /// <summary>
    /// The shard of this process: <paramref name="flag"/> (<c>--shard</c>) when given (<see cref="Off"/> = no shard);
    /// else from a Slurm job array (<see cref="SlurmIdVariable"/> − <see cref="SlurmMinVariable"/> of
    /// <see cref="SlurmCountVariable"/>); else from a Kubernetes Indexed Job (<see cref="KubernetesIndexVariable"/> of
    /// <paramref name="countFlag"/> or <see cref="CountVariable"/>); else none. <paramref name="countFlag"/>
    /// (<c>--shard-count</c>) also replaces Slurm's count. Returns the shard (null = every item) and, when it came
    /// from the environment, the line that says so.
    /// </summary>
    /// <exception cref="ArgumentException">A malformed or out-of-range value; the flag or variable is named.</exception>
    public static (Shard? Shard, string? Note) Resolve(string? flag, int? countFlag, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (flag is not null)
        {
            if (countFlag is not null) throw new ArgumentException("--shard-count goes with a shard index from the environment; --shard INDEX/COUNT names the count itself.");
            return (string.Equals(flag, Off, StringComparison.OrdinalIgnoreCase) ? null : Parse(flag, "--shard"), null);
        }
        if (environment(SlurmIdVariable) is { Length: > 0 } slurmId)
        {
            int id = Int(slurmId, SlurmIdVariable);
            int min = environment(SlurmMinVariable) is { Length: > 0 } m ? Int(m, SlurmMinVariable) : 0;
            int count = countFlag ?? (environment(SlurmCountVariable) is { Length: > 0 } c ? Int(c, SlurmCountVariable)
                : throw new ArgumentException($"{SlurmIdVariable} is set but {SlurmCountVariable} is not: pass --shard INDEX/COUNT, or --shard-count N."));
            string source = $"{SlurmIdVariable}={id} ({SlurmMinVariable}={min}, {(countFlag is null ? $"{SlurmCountVariable}={count}" : $"--shard-count {count}")}; " +
                            "a stepped --array=A-B:S numbers its elements with gaps: use a contiguous --array or --shard)";
            var shard = Of(id - min, count, source);
            return (shard, $"shard {shard} from {SlurmIdVariable}={id} (--shard {Off} runs every item)");
        }
        if (environment(KubernetesIndexVariable) is { Length: > 0 } k8sIndex)
        {
            int index = Int(k8sIndex, KubernetesIndexVariable);
            int count = countFlag ?? (environment(CountVariable) is { Length: > 0 } c ? Int(c, CountVariable)
                : throw new ArgumentException($"{KubernetesIndexVariable} is set (Kubernetes Indexed Job) but the shard count is not: pass --shard-count N or set {CountVariable} to the Job's completions."));
            var shard = Of(index, count, $"{KubernetesIndexVariable}={index} ({(countFlag is null ? $"{CountVariable}={count}" : $"--shard-count {count}")})");
            return (shard, $"shard {shard} from {KubernetesIndexVariable}={index} (--shard {Off} runs every item)");
        }
        if (countFlag is not null) throw new ArgumentException($"--shard-count needs a shard index from {SlurmIdVariable} or {KubernetesIndexVariable}; neither is set (use --shard INDEX/COUNT).");
        return (null, null);
    }

    private static bool TryInt(string text, out int value) =>
        int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static int Int(string text, string variable) =>
        TryInt(text, out int v) ? v : throw new ArgumentException($"{variable} must be an integer, got '{text}'.");
}
