using System.Globalization;
using Mpt.Numerics;
using TorchSharp;

namespace Mpt.Reports;

/// <summary>
/// Which numerics a run computed with (<c>results.json</c>'s <c>numerics</c>): the mode, libtorch's thread count and the
/// values the variables of <see cref="ReproducibleEnvironment.Variables"/> had in the process (null = unset). Only
/// machine-independent facts are recorded, so two machines running the same reproducible run write the same section.
/// </summary>
/// <param name="Mode"><see cref="Reproducible"/> when every variable had its required value, else <see cref="Default"/>.</param>
/// <param name="Threads">libtorch intra-op threads.</param>
/// <param name="Environment">Variable → value found in the process environment (null = unset), in the order of
/// <see cref="ReproducibleEnvironment.Variables"/>.</param>
public sealed record NumericsSummary(string Mode, int Threads, IReadOnlyDictionary<string, string?> Environment)
{
    /// <summary>Mode name of a run in the reproducible environment.</summary>
    public const string Reproducible = "reproducible";

    /// <summary>Mode name of a run with libtorch's default, machine-dependent kernel choice.</summary>
    public const string Default = "default";

    /// <summary>The numerics of this process now (loads libtorch to read the thread count).</summary>
    public static NumericsSummary OfThisProcess() => Of(System.Environment.GetEnvironmentVariable, torch.get_num_threads());

    /// <summary>The numerics of an environment and a thread count.</summary>
    public static NumericsSummary Of(Func<string, string?> environment, int threads)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var values = ReproducibleEnvironment.Variables.ToDictionary(v => v.Name, v => environment(v.Name), StringComparer.Ordinal);
        return new NumericsSummary(ReproducibleEnvironment.IsActive(environment) ? Reproducible : Default, threads, values);
    }

    /// <summary>One line for logs and reports, e.g. <c>reproducible (MKL_CBWR=AVX2, …), 2 threads</c>.</summary>
    public string Describe()
    {
        string threads = Threads.ToString(CultureInfo.InvariantCulture) + (Threads == 1 ? " thread" : " threads");
        var set = Environment.Where(kv => kv.Value is not null).Select(kv => $"{kv.Key}={kv.Value}").ToList();
        string variables = set.Count == 0 ? "no numerics variables set" : string.Join(", ", set);
        return Mode == Reproducible
            ? $"{Mode} ({variables}), {threads}"
            : $"{Mode}: kernels chosen for this CPU ({variables}), {threads}";
    }
}
