using TorchSharp;

namespace Mpt.Numerics;

/// <summary>
/// The reproducible numerics mode (docs/reproducibility.md): the process environment that makes libtorch's CPU kernels
/// compute the same bits on any x86-64 CPU with AVX2, for a given thread count. Without it, the same run differs between
/// an AVX-512 and an AVX2-only CPU in the last bits of matrix products and vectorised reductions, and few-shot training
/// amplifies that into different results.
/// </summary>
/// <remarks>
/// <para>MKL and ATen read these variables once, when libtorch initialises, so they must be in the environment before
/// the first torch call of the process; setting them later has no effect (and .NET's
/// <see cref="System.Environment.SetEnvironmentVariable(string, string)"/> does not even reach native code on Unix). This
/// type therefore only describes and checks the environment: it never changes the process. The <c>mpt</c> command line
/// re-executes itself with <see cref="Variables"/> set when <c>--reproducible</c> is on; a library user sets them before
/// starting the program (for example in the launching shell) and can check <see cref="IsActive()"/>.</para>
/// <para>What each variable pins (see <see cref="Variables"/>): MKL's conditional numerical reproducibility code path
/// (oneMKL developer guide, "Obtaining numerically reproducible results"), with MKL's and OpenMP's dynamic thread
/// adjustment off as that guide requires; ATen's CPU dispatch level for its own vectorised kernels (softmax, norms,
/// reductions, element-wise ops); oneDNN's instruction set, which libtorch uses for some CPU ops (bfloat16 matrix
/// products among them). Threads are the fourth condition: <see cref="PinThreads"/> sets them explicitly.</para>
/// <para>Not pinned because it is already machine-independent: Mpt's own parallel code
/// (<see cref="Model.ParallelChunkDropout"/> draws integer masks whose AVX-512 and scalar paths give the same bits and whose
/// chunking does not depend on the thread count); there is no other float reduction of Mpt's own on several threads or
/// on hardware intrinsics. Not available: <c>torch.use_deterministic_algorithms</c>, which TorchSharp 0.107 marks as not
/// implemented; on the CPU the ops the pipeline uses are deterministic for a fixed thread count anyway.</para>
/// </remarks>
public static class ReproducibleEnvironment
{
    /// <summary>The variables of the mode and the values they must have, in the order they are reported.</summary>
    public static IReadOnlyList<EnvironmentSetting> Variables { get; } =
    [
        new("MKL_CBWR", "AVX2", "MKL's AVX2 code path on every CPU (an AVX-512 CPU would otherwise take other GEMM kernels)"),
        new("MKL_DYNAMIC", "FALSE", "MKL must not change its thread count at run time (a CNR condition)"),
        new("OMP_DYNAMIC", "FALSE", "OpenMP must not change its thread count at run time (a CNR condition)"),
        new("ATEN_CPU_CAPABILITY", "avx2", "ATen's vectorised kernels at the AVX2 level (libtorch picks AVX-512 where the CPU has it)"),
        new("ONEDNN_MAX_CPU_ISA", "AVX2", "oneDNN kernels (used by libtorch for some ops, bfloat16 matmuls among them) at most AVX2"),
    ];

    /// <summary>True when every variable of <see cref="Variables"/> has its value in this process's environment.</summary>
    public static bool IsActive() => IsActive(System.Environment.GetEnvironmentVariable);

    /// <summary>True when every variable of <see cref="Variables"/> has its value in <paramref name="environment"/>.</summary>
    /// <param name="environment">Looks a variable up (null = unset).</param>
    public static bool IsActive(Func<string, string?> environment) => Differences(environment).Count == 0;

    /// <summary>The variables of <see cref="Variables"/> whose value in <paramref name="environment"/> is not the
    /// required one, with the value found (null = unset).</summary>
    public static IReadOnlyList<(EnvironmentSetting Setting, string? Found)> Differences(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var differences = new List<(EnvironmentSetting, string?)>();
        foreach (var setting in Variables)
        {
            string? found = environment(setting.Name);
            if (!string.Equals(found, setting.Value, StringComparison.Ordinal)) differences.Add((setting, found));
        }
        return differences;
    }

    /// <summary>The variables as shell assignments, e.g. <c>MKL_CBWR=AVX2 MKL_DYNAMIC=FALSE …</c>.</summary>
    public static string AsShellAssignments() => string.Join(' ', Variables.Select(v => $"{v.Name}={v.Value}"));

    /// <summary>
    /// Sets libtorch's intra-op thread count explicitly, as the mode requires (a matrix product or a reduction split
    /// over another number of threads adds in another order): <paramref name="threads"/>, or when null the current count
    /// (libtorch's default, one per physical core, unless something set it). Returns the count set. This loads libtorch: call it after the environment is in place.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is less than 1.</exception>
    public static int PinThreads(int? threads = null)
    {
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "The thread count must be at least 1.");
        int count = threads ?? torch.get_num_threads();
        torch.set_num_threads(count);
        return count;
    }
}
