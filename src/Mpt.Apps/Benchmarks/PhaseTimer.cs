using System.Diagnostics;

namespace Mpt.Benchmarks;

/// <summary>
/// Splits one benchmark step into named phases (forward, backward, optimizer, ...). libtorch on the CPU runs every
/// operation synchronously on the calling thread (intra-op threads join before the call returns), so a wall-clock mark
/// between two calls measures exactly the work of the calls before it; no synchronisation is needed. On a GPU it would be.
/// </summary>
public sealed class PhaseTimer
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly Dictionary<string, double> _phases = new(StringComparer.Ordinal);
    private double _lastMark;

    /// <summary>Ends the current phase: the time since the previous mark (or the start) is added to <paramref name="phase"/>.</summary>
    public void Mark(string phase)
    {
        double now = _watch.Elapsed.TotalMilliseconds;
        _phases[phase] = _phases.GetValueOrDefault(phase) + (now - _lastMark);
        _lastMark = now;
    }

    /// <summary>Milliseconds per phase, in first-mark order.</summary>
    public IReadOnlyDictionary<string, double> Phases => _phases;

    /// <summary>Milliseconds from the start to the last mark.</summary>
    public double TotalMs => _lastMark;
}
