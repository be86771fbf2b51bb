using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;

namespace Mpt.Numerics;

/// <summary>
/// What a GEMM rate measured for <c>model.dtype auto</c> depends on, and so what its cache entry is keyed by: the CPU
/// model and its vector-instruction flags (AVX512-BF16 or AMX decide whether bfloat16 has hardware support), the libtorch
/// and TorchSharp versions (their kernels), the kernel-choice variables of <see cref="ReproducibleEnvironment"/> as set in
/// the process, the thread count, the device, and the probed shape. A cache entry is reused only under an equal key.
/// </summary>
/// <param name="Cpu">CPU model name (<c>/proc/cpuinfo</c>'s model name; elsewhere the architecture and core count).</param>
/// <param name="Isa">The CPU's vector-instruction flags (avx*, amx*, fma, f16c, sse*), sorted, space-separated.</param>
/// <param name="Libtorch">libtorch's version as TorchSharp reports it, and TorchSharp's assembly version.</param>
/// <param name="Threads">libtorch intra-op threads.</param>
/// <param name="Device">Torch device (<c>cpu</c>, <c>cuda:0</c>).</param>
/// <param name="KernelEnvironment">The variables that steer MKL's, ATen's and oneDNN's kernel choice (null = unset).</param>
/// <param name="Gemm">The probed product, [M, K, N].</param>
public sealed record DtypeProbeKey(string Cpu, string Isa, string Libtorch, int Threads, string Device,
    IReadOnlyDictionary<string, string?> KernelEnvironment, IReadOnlyList<long> Gemm)
{
    /// <summary>The key as canonical JSON (the form stored in, and compared with, a cache file).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Reports.ReportJson.Compact);

    /// <summary>First 16 hex digits of the SHA-256 of <see cref="ToJson"/>: the cache file's name.</summary>
    public string Digest() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson())))[..16];

    /// <summary>The key of this process and machine for a product of <paramref name="m"/> × <paramref name="k"/> × <paramref name="n"/>.</summary>
    public static DtypeProbeKey OfThisProcess(string device, int threads, long m, long k, long n, Func<string, string?>? environment = null)
    {
        environment ??= System.Environment.GetEnvironmentVariable;
        string? cpuinfo = null;
        try
        {
            if (File.Exists("/proc/cpuinfo")) cpuinfo = File.ReadAllText("/proc/cpuinfo");
        }
        catch (IOException)
        {
            // Unreadable: fall back to what .NET reports.
        }
        string cpu = CpuInfoField(cpuinfo, "model name") ?? CpuInfoField(cpuinfo, "Hardware")
                     ?? $"{RuntimeInformation.ProcessArchitecture}, {System.Environment.ProcessorCount} logical cores";
        string isa = CpuInfoField(cpuinfo, "flags") is { } flags ? VectorFlags(flags) : DotNetVectorFlags();
        string libtorch = $"libtorch {torch.__version__}, TorchSharp {typeof(torch).Assembly.GetName().Version}";
        var kernelEnvironment = ReproducibleEnvironment.Variables.ToDictionary(v => v.Name, v => environment(v.Name), StringComparer.Ordinal);
        return new DtypeProbeKey(cpu, isa, libtorch, threads, device, kernelEnvironment, [m, k, n]);
    }

    /// <summary>The vector-instruction flags of a cpuinfo flags line, sorted.</summary>
    public static string VectorFlags(string flags) => string.Join(' ', flags.Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Where(f => f.StartsWith("avx", StringComparison.Ordinal) || f.StartsWith("amx", StringComparison.Ordinal)
                    || f.StartsWith("sse", StringComparison.Ordinal) || f.StartsWith("ssse", StringComparison.Ordinal) || f is "fma" or "f16c")
        .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    private static string? CpuInfoField(string? cpuinfo, string name)
    {
        if (cpuinfo is null) return null;
        foreach (string line in cpuinfo.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim() == name) return line[(colon + 1)..].Trim();
        }
        return null;
    }

    private static string DotNetVectorFlags()
    {
        var flags = new List<string>();
        if (Avx.IsSupported) flags.Add("avx");
        if (Avx2.IsSupported) flags.Add("avx2");
        if (Fma.IsSupported) flags.Add("fma");
        if (Avx512F.IsSupported) flags.Add("avx512f");
        if (Avx512BW.IsSupported) flags.Add("avx512bw");
        if (AvxVnni.IsSupported) flags.Add("avx_vnni");
        return flags.Count == 0 ? RuntimeInformation.ProcessArchitecture.ToString() : string.Join(' ', flags);
    }
}
