using System.CommandLine;
using Mpt.Numerics;
using Mpt.Reports;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>--reproducible</c> / <c>--no-reproducible</c> of the verbs that train or evaluate, and what a verb does with them
/// before its first torch call (<see cref="Apply"/>): re-execute into the reproducible environment when needed, set the
/// thread count, and log which numerics run (docs/reproducibility.md).
/// </summary>
public sealed class NumericsOptions
{
    private NumericsOptions(Option<bool> on, Option<bool> off)
    {
        On = on;
        Off = off;
    }

    /// <summary><c>--reproducible</c>.</summary>
    public Option<bool> On { get; }

    /// <summary><c>--no-reproducible</c>.</summary>
    public Option<bool> Off { get; }

    /// <summary>Creates the two options; <paramref name="defaultOn"/> is the verb's default, named in the help text.</summary>
    /// <param name="defaultOn">Whether the verb runs reproducibly without either flag.</param>
    /// <param name="configKey">The config key that can also switch the mode on, or null when the verb has none.</param>
    public static NumericsOptions Create(bool defaultOn, string? configKey = null)
    {
        string source = configKey is null ? "" : $"; config key {configKey}";
        var on = new Option<bool>("--reproducible")
        {
            Description = "Reproducible numerics: the same results on any x86-64 CPU with AVX2 for a given --threads (pins MKL's and libtorch's " +
                          $"kernel choice; slower; docs/reproducibility.md){(defaultOn ? "; the default here" : "")}{source}.",
        };
        var off = new Option<bool>("--no-reproducible")
        {
            Description = "Let libtorch and MKL pick the fastest kernels for this CPU (results then differ between CPUs in the last bits)" +
                          $"{(defaultOn ? "" : "; the default here")}.",
        };
        return new NumericsOptions(on, off);
    }

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(On);
        command.Add(Off);
    }

    /// <summary>Whether the mode is on: a flag, else the config's value, else the verb's default.</summary>
    /// <exception cref="ArgumentException">Both flags were given.</exception>
    public bool Resolve(ParseResult parse, bool? configValue, bool verbDefault)
    {
        bool on = parse.GetValue(On), off = parse.GetValue(Off);
        if (on && off) throw new ArgumentException("--reproducible and --no-reproducible contradict each other: give one.");
        return on || (!off && (configValue ?? verbDefault));
    }

    /// <summary>
    /// Puts the numerics of a verb in place before its first torch call: when the reproducible mode is on and the
    /// environment lacks its variables, re-executes <c>mpt</c> with them (<see cref="ReproducibleRelaunch"/>; this call
    /// then does not return); sets the thread count (explicitly in the reproducible mode: <paramref name="threads"/> or
    /// one per physical core); writes one line naming the mode, the variables and the threads to <paramref name="log"/>.
    /// </summary>
    /// <param name="reproducible">The resolved mode (<see cref="Resolve"/>).</param>
    /// <param name="threads">The <c>--threads</c> value, or null for libtorch's default.</param>
    /// <param name="log">Where the run's log goes (stdout, or stderr for verbs that print data on stdout).</param>
    /// <exception cref="InvalidOperationException">The environment could not be put in place.</exception>
    public static NumericsSummary Apply(bool reproducible, int? threads, TextWriter log)
    {
        var decision = ReproducibleRelaunch.Decide(reproducible, System.Environment.GetEnvironmentVariable);
        switch (decision.Action)
        {
            case RelaunchAction.Relaunch when ReproducibleRelaunch.CanReplaceProcess():
                ReproducibleRelaunch.ReplaceProcess(decision);
                break; // not reached: ReplaceProcess returns only by throwing
            case RelaunchAction.Relaunch:
                log.WriteLine("warning: the reproducible mode needs its environment set before libtorch loads, and mpt runs inside another " +
                              $"program here, so this run uses the default numerics. Set it before starting the program: {ReproducibleEnvironment.AsShellAssignments()}");
                break;
            case RelaunchAction.SetByLauncher:
                throw new InvalidOperationException(
                    "the reproducible mode needs its environment set before libtorch loads, and under an MPI launcher mpt does not restart itself: " +
                    $"pass it on the launcher's command line ({string.Join(' ', ReproducibleEnvironment.Variables.Select(v => $"-x {v.Name}={v.Value}"))} for mpirun; " +
                    $"export {ReproducibleEnvironment.AsShellAssignments()} before srun) or run with --no-reproducible.");
            case RelaunchAction.LoopDetected:
                throw new InvalidOperationException(
                    "mpt restarted itself for the reproducible mode, but " +
                    string.Join(", ", decision.Differences.Select(d => $"{d.Setting.Name} is {(d.Found is null ? "unset" : $"'{d.Found}'")} (needs '{d.Setting.Value}')")) +
                    $"; set the environment yourself before starting mpt: {ReproducibleEnvironment.AsShellAssignments()}.");
        }
        if (reproducible && decision.Action == RelaunchAction.RunHere) ReproducibleEnvironment.PinThreads(threads);
        else CommonOptions.ApplyThreads(threads);
        var summary = NumericsSummary.OfThisProcess();
        log.WriteLine($"numerics: {summary.Describe()}");
        if (Mpt.Distributed.MpiWorld.Current is { } world)
            log.WriteLine($"data parallel: {world.Size} MPI ranks ({world.Library}); rank 0 writes the run folder (docs/distributed.md)");
        return summary;
    }
}
