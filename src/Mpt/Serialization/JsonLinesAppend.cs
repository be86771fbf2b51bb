using System.Text;

namespace Mpt.Serialization;

/// <summary>
/// Appends lines to a JSON Lines log that a killed process may have left with a torn last line. Such logs grow step by
/// step, so <see cref="AtomicFile"/> (which rewrites the whole file) does not fit them; their crash rule instead is that
/// every record ends with a newline, and an unterminated last line is what a killed writer was writing. Used by
/// <c>metrics.jsonl</c> and the analysis-only <c>selection_curve.jsonl</c>.
/// </summary>
public static class JsonLinesAppend
{
    /// <summary>
    /// Appends <paramref name="lines"/> (each without its newline) to <paramref name="path"/> (created when missing) in a
    /// single write, flushed to disk before returning, so a concurrent reader sees whole lines only. First, an
    /// unterminated last line is cut off when <paramref name="isRecord"/> says it is not a whole record (torn by a kill),
    /// and given its newline when it is (a file written by hand without a final newline).
    /// </summary>
    /// <remarks>Under an MPI launcher only rank 0 appends (<see cref="Distributed.MpiWorld.IsWriter"/>).</remarks>
    public static void Append(string path, IEnumerable<string> lines, Func<string, bool> isRecord)
    {
        if (!Distributed.MpiWorld.IsWriter) return;
        var text = new StringBuilder();
        foreach (string line in lines) text.Append(line).Append('\n');
        using var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        EndWithWholeLine(stream, isRecord);
        stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        stream.Flush(flushToDisk: true);
    }

    private static void EndWithWholeLine(FileStream stream, Func<string, bool> isRecord)
    {
        long whole = WholeLinesLength(stream);
        if (whole < stream.Length)
        {
            stream.Position = whole;
            var tail = new byte[stream.Length - whole];
            stream.ReadExactly(tail);
            if (isRecord(Encoding.UTF8.GetString(tail))) { stream.Position = stream.Length; stream.WriteByte((byte)'\n'); return; }
            stream.SetLength(whole);
        }
        stream.Position = stream.Length;
    }

    /// <summary>Length of the file up to and including its last newline.</summary>
    private static long WholeLinesLength(FileStream stream)
    {
        var buffer = new byte[4096];
        long end = stream.Length;
        while (end > 0)
        {
            int n = (int)Math.Min(buffer.Length, end);
            stream.Position = end - n;
            stream.ReadExactly(buffer, 0, n);
            int newline = Array.LastIndexOf(buffer, (byte)'\n', n - 1);
            if (newline >= 0) return end - n + newline + 1;
            end -= n;
        }
        return 0;
    }
}
