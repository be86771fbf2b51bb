using System.Diagnostics;

namespace Mpt.Tests.Fuzz;

/// <summary>
/// CPU time of the calling thread since <see cref="Start"/>, from Linux's <c>/proc/thread-self/stat</c> (utime + stime,
/// fields 14 and 15, in clock ticks of 10 ms). Elsewhere it falls back to wall time. Read on the thread that started it.
/// </summary>
internal sealed class ThreadCpuClock
{
    /// <summary>Clock ticks per second of the stat file (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    private readonly long _startTicks;
    private readonly Stopwatch _wall = Stopwatch.StartNew();

    private ThreadCpuClock(long startTicks) => _startTicks = startTicks;

    /// <summary>Starts measuring the calling thread.</summary>
    public static ThreadCpuClock Start() => new(Ticks() ?? -1);

    /// <summary>The thread's CPU time since the start (wall time where the stat file is missing).</summary>
    public TimeSpan Elapsed => _startTicks >= 0 && Ticks() is { } now ? TimeSpan.FromSeconds((now - _startTicks) / TicksPerSecond) : _wall.Elapsed;

    private static long? Ticks()
    {
        const string stat = "/proc/thread-self/stat";
        if (!File.Exists(stat)) return null;
        string text = File.ReadAllText(stat);
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing ')'.
        string[] fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }
}
