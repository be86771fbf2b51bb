namespace Mpt.Model;

/// <summary>
/// How a backbone draws its dropout masks in training mode. Both keep each element independently with probability
/// 1 − p and scale the kept ones by 1/(1 − p) (inverted dropout); they differ in the random stream and in speed.
/// </summary>
public enum DropoutKernel
{
    /// <summary>
    /// libtorch's <c>F.dropout</c>, unchanged: masks come from torch's default generator, so a run is bit for bit the
    /// one HF/PyTorch-style code gives for the same <c>torch.manual_seed</c>. On CPU the mask is drawn by a serial
    /// loop over one generator (ATen <c>bernoulli_scalar_cpu_</c>), which does not speed up with more threads. Default.
    /// </summary>
    Exact,

    /// <summary>
    /// <see cref="ParallelChunkDropout"/>: the mask is drawn from a counter-based generator in fixed chunks on several
    /// .NET threads, seeded by one draw from torch's default generator per call. Same distribution, different random
    /// stream; deterministic for a seed and independent of the thread count. CPU only (other devices use
    /// <see cref="Exact"/>).
    /// </summary>
    ParallelChunks,
}

/// <summary>Names of <see cref="DropoutKernel"/> values in configuration files and on the command line.</summary>
public static class DropoutKernelNames
{
    /// <summary>The name of <see cref="DropoutKernel.Exact"/>.</summary>
    public const string Exact = "exact";

    /// <summary>The name of <see cref="DropoutKernel.ParallelChunks"/>.</summary>
    public const string ParallelChunks = "parallel_chunks";

    /// <summary>Every accepted name, default first.</summary>
    public static IReadOnlyList<string> All { get; } = [Exact, ParallelChunks];

    /// <summary>The name of <paramref name="kernel"/>.</summary>
    public static string Name(DropoutKernel kernel) => kernel switch
    {
        DropoutKernel.Exact => Exact,
        DropoutKernel.ParallelChunks => ParallelChunks,
        _ => throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown dropout kernel."),
    };

    /// <summary>Parses a name (exact spelling, as listed in <see cref="All"/>).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the accepted ones.</exception>
    public static DropoutKernel Parse(string name) => name switch
    {
        Exact => DropoutKernel.Exact,
        ParallelChunks => DropoutKernel.ParallelChunks,
        _ => throw new ArgumentException($"Unknown dropout kernel '{name}' (known: {string.Join(", ", All)})."),
    };
}
