namespace Mpt.Benchmarks;

/// <summary>Settings of <see cref="TeacherCacheBenchmark"/>.</summary>
/// <param name="Base">Shape, batch, sequence lengths, prompt, threads, tasks, seed (as for <c>distill-step</c>).</param>
/// <param name="Examples">Distinct examples put through the cache.</param>
/// <param name="OnDisk">The on-disk top-k cache (k = the first of <paramref name="TopK"/>) instead of the exact one in RAM.</param>
/// <param name="TopK">The k values whose KL error is measured.</param>
/// <param name="Directory">Folder of the cache file (null: a temporary file, deleted afterwards).</param>
/// <param name="KlBatches">Batches the KL error is averaged over.</param>
/// <param name="HiddenBFloat16">Keep the hidden states in bfloat16 (<see cref="Mpt.Training.DistillationOptions.TeacherCacheHiddenBFloat16"/>).</param>
public sealed record TeacherCacheBenchmarkSettings(BenchmarkSettings Base, int Examples, bool OnDisk, IReadOnlyList<int> TopK, string? Directory,
    int KlBatches = 4, bool HiddenBFloat16 = false)
{
    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A bad value (the message names the flag).</exception>
    public void Validate()
    {
        Base.Validate();
        if (Examples < 2 * Base.Batch) throw new ArgumentException($"--examples must be at least twice --batch ({2 * Base.Batch}), got {Examples}.");
        if (TopK.Count == 0 || TopK.Any(k => k < 1)) throw new ArgumentException($"--topk needs values of at least 1, got [{string.Join(", ", TopK)}].");
        if (KlBatches < 1) throw new ArgumentException($"--kl-batches must be at least 1, got {KlBatches}.");
    }
}
