using System.Text.Json;

namespace Mpt.Pipeline;

/// <summary>
/// Wall-clock seconds spent in one run folder, summed over the processes that worked on it (a resumed run adds to what
/// the interrupted one spent), kept in <c>wall_clock.json</c>.
/// </summary>
public static class WallClock
{
    /// <summary>The file name.</summary>
    public const string FileName = "wall_clock.json";

    /// <summary>Seconds recorded in <paramref name="folder"/> (0 when none).</summary>
    public static double Read(string folder)
    {
        string file = Path.Combine(folder, FileName);
        if (!File.Exists(file)) return 0;
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        return doc.RootElement.GetProperty("seconds").GetDouble();
    }

    /// <summary>Adds <paramref name="seconds"/> to the folder's total.</summary>
    public static void Add(string folder, double seconds)
    {
        Directory.CreateDirectory(folder);
        double total = Read(folder) + seconds;
        // Atomically: the file is read back on resume, and a kill mid-write must not leave it unparseable.
        Serialization.AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(new Dictionary<string, double> { ["seconds"] = total }));
    }
}
