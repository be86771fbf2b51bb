using System.Text;

namespace Mpt.Data;

/// <summary>
/// Streams a CSV or TSV file with a header row (RFC 4180: fields may be quoted with <c>"</c>, a quote inside a
/// quoted field is doubled, quoted fields may span lines; CRLF or LF line ends). Every cell is a string (the task
/// schema converts numbers, <see cref="RowSchema"/>). Errors name the file and the line the record starts on.
/// </summary>
internal static class DelimitedReader
{
    /// <summary>The rows of <paramref name="path"/>, read lazily, with <paramref name="delimiter"/> between fields.</summary>
    public static IEnumerable<DataRow> Read(string path, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(path);
        if (delimiter is '"' or '\r' or '\n') throw new ArgumentException("The delimiter cannot be a quote or a line break.");
        using var reader = new StreamReader(path);
        var state = new Cursor(reader);
        List<string>? header = ReadRecord(state, path, delimiter, out long headerLine);
        if (header is null) yield break;
        var duplicate = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new DataFormatException(new RowLocation(path, Line: headerLine), $"the header names column '{duplicate.Key}' twice");
        long record = 0;
        while (ReadRecord(state, path, delimiter, out long line) is { } cells)
        {
            var location = new RowLocation(path, Line: line, Row: record++);
            if (cells.Count == 1 && cells[0].Length == 0) continue; // blank line
            if (cells.Count != header.Count)
                throw new DataFormatException(location, $"expected {header.Count} fields (header: {string.Join(", ", header)}), found {cells.Count}");
            var fields = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
            for (int i = 0; i < header.Count; i++) fields[header[i]] = cells[i];
            yield return new DataRow(fields, location);
        }
    }

    private sealed class Cursor(TextReader reader)
    {
        public long Line = 1;
        public int Peek() => reader.Peek();
        public int Next()
        {
            int c = reader.Read();
            if (c == '\n') Line++;
            return c;
        }
    }

    // One record, or null at end of file. startLine = the line the record begins on.
    private static List<string>? ReadRecord(Cursor cur, string path, char delimiter, out long startLine)
    {
        startLine = cur.Line;
        if (cur.Peek() < 0) return null;
        var cells = new List<string>();
        var cell = new StringBuilder();
        while (true)
        {
            int c = cur.Peek();
            if (c == '"' && cell.Length == 0)
            {
                cur.Next();
                while (true)
                {
                    int q = cur.Next();
                    if (q < 0)
                        throw new DataFormatException(new RowLocation(path, Line: startLine), "a quoted field is not closed before the end of the file");
                    if (q == '"')
                    {
                        if (cur.Peek() == '"') { cur.Next(); cell.Append('"'); continue; }
                        break;
                    }
                    cell.Append((char)q);
                }
                int after = cur.Peek();
                if (after >= 0 && after != delimiter && after != '\r' && after != '\n')
                    throw new DataFormatException(new RowLocation(path, Line: cur.Line),
                        $"unexpected character '{(char)after}' after a closing quote (field {cells.Count + 1})");
                continue;
            }
            if (c < 0 || c == '\n' || c == '\r')
            {
                cur.Next();
                if (c == '\r' && cur.Peek() == '\n') cur.Next();
                cells.Add(cell.ToString());
                return cells;
            }
            cur.Next();
            if (c == delimiter)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else if (c == '"')
            {
                throw new DataFormatException(new RowLocation(path, Line: cur.Line),
                    $"a quote inside an unquoted field (field {cells.Count + 1}); quote the whole field and double the quote");
            }
            else cell.Append((char)c);
        }
    }
}
