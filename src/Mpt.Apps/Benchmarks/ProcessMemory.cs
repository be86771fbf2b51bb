namespace Mpt.Benchmarks;

/// <summary>Memory and load figures of the current process and machine, read from Linux's /proc.</summary>
public static class ProcessMemory
{
    /// <summary>
    /// Peak resident set size in MiB (VmHWM of /proc/self/status): the high-water mark over the whole process
    /// lifetime, which includes libtorch's own allocations that the .NET GC does not see. Null when /proc is unavailable
    /// (not Linux). The kernel raises VmHWM lazily (per-thread RSS counters are folded in from time to time), so it can
    /// briefly read below VmRSS; the larger of the two is returned.
    /// </summary>
    public static double? PeakResidentMiB()
    {
        long? hwm = ReadStatusKiB("VmHWM:"), rss = ReadStatusKiB("VmRSS:");
        if (hwm is null) return null;
        return Math.Max(hwm.Value, rss ?? 0) / 1024.0;
    }

    /// <summary>Current resident set size in MiB (VmRSS), or null without /proc.</summary>
    public static double? ResidentMiB() => ReadStatusKiB("VmRSS:") / 1024.0;

    /// <summary>
    /// Current anonymous resident memory in MiB (RssAnon): the resident set without file-backed pages, i.e. what the
    /// process itself holds; pages of a memory-mapped file it read are file-backed and reclaimable. Null without /proc.
    /// </summary>
    public static double? AnonymousResidentMiB() => ReadStatusKiB("RssAnon:") / 1024.0;

    /// <summary>The 1-minute load average (first field of /proc/loadavg), or null without /proc. Reported next to every
    /// timing because the machines we measure on are shared.</summary>
    public static double? LoadAverage1Min()
    {
        const string path = "/proc/loadavg";
        if (!File.Exists(path)) return null;
        string first = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return double.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long? ReadStatusKiB(string key)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return null;
        foreach (string line in File.ReadLines(path))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            // "VmHWM:	  123456 kB"
            string[] parts = line[key.Length..].Split(' ', '\t').Where(p => p.Length > 0).ToArray();
            if (parts.Length != 2 || parts[1] != "kB")
                throw new InvalidDataException($"{path}: unexpected format of line '{line}' (expected '{key} <n> kB').");
            return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        return null;
    }
}
