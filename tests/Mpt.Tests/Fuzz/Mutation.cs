using System.Text;
using CsCheck;

namespace Mpt.Tests.Fuzz;

/// <summary>
/// One edit of a seed input. Positions are taken modulo the current length, so every mutation applies to any input;
/// CsCheck shrinks a failing list of mutations towards fewer and smaller ones, which is what minimises a crash input.
/// </summary>
/// <param name="Kind">Which edit (see <see cref="Apply"/>).</param>
/// <param name="Position">Where, modulo the length.</param>
/// <param name="Value">The edit's operand: a byte, a length, an index into a table of interesting values.</param>
internal readonly record struct Mutation(int Kind, uint Position, ulong Value)
{
    private const int Kinds = 11;

    /// <summary>Boundary integers that break length and size fields: zero, one, sign and width limits, 1e9, 2^32.</summary>
    private static readonly ulong[] InterestingIntegers =
    [
        0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1_000_000_000, 1UL << 32,
        1UL << 62, long.MaxValue, unchecked((ulong)long.MinValue), ulong.MaxValue, 100_000_001,
    ];

    /// <summary>Number texts for JSON and text formats: huge, negative, fractional, out of every integer range.</summary>
    private static readonly string[] InterestingNumbers =
    [
        "0", "-1", "1000000000", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "99999999999999999999999", "1e308", "1e999", "-0", "0.5", "1e-320", "4294967296",
    ];

    /// <summary>JSON values of every kind, to put where another kind is expected.</summary>
    private static readonly string[] InterestingJson =
    [
        "null", "true", "false", "[]", "{}", "\"\"", "\"x\"", "[1,2]", "{\"a\":1}", "[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]",
        "\"\\u0000\"", "\"\\ud800\"", "1e999", "-1",
    ];

    /// <summary>Structural bytes: JSON/CSV punctuation, line ends, NUL, a BOM, invalid UTF-8, a zip signature.</summary>
    private static readonly byte[][] Tokens =
    [
        "\""u8.ToArray(), "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), ","u8.ToArray(), ":"u8.ToArray(),
        "\n"u8.ToArray(), "\r\n"u8.ToArray(), "\t"u8.ToArray(), [0], [0xEF, 0xBB, 0xBF], [0xC3, 0x28], [0xFF, 0xFE],
        [0x50, 0x4B, 0x03, 0x04], "\\"u8.ToArray(), [0x80], [0xED, 0xA0, 0x80],
    ];

    /// <summary>A generator of one mutation.</summary>
    public static readonly Gen<Mutation> Gen =
        CsCheck.Gen.Select(CsCheck.Gen.Int[0, Kinds - 1], CsCheck.Gen.UInt, CsCheck.Gen.ULong, (k, p, v) => new Mutation(k, p, v));

    /// <summary>Mutated inputs: one of <paramref name="seeds"/> with 1 to 8 mutations applied in order.</summary>
    public static Gen<byte[]> Inputs(IReadOnlyList<byte[]> seeds) =>
        CsCheck.Gen.Select(CsCheck.Gen.Int[0, seeds.Count - 1], Gen.Array[1, 8],
            (seed, mutations) => ApplyAll(seeds[seed], mutations, seeds));

    /// <summary>Applies <paramref name="mutations"/> to a copy of <paramref name="seed"/>.</summary>
    public static byte[] ApplyAll(byte[] seed, IEnumerable<Mutation> mutations, IReadOnlyList<byte[]> seeds)
    {
        var bytes = new List<byte>(seed);
        foreach (var m in mutations) m.Apply(bytes, seeds);
        return [.. bytes];
    }

    /// <summary>Edits <paramref name="bytes"/> in place.</summary>
    public void Apply(List<byte> bytes, IReadOnlyList<byte[]> seeds)
    {
        int n = bytes.Count;
        int at = n == 0 ? 0 : (int)(Position % (uint)n);
        switch (Kind)
        {
            case 0 when n > 0: // flip one bit
                bytes[at] ^= (byte)(1 << (int)(Value % 8));
                break;
            case 1 when n > 0: // overwrite one byte
                bytes[at] = (byte)Value;
                break;
            case 2: // truncate
                bytes.RemoveRange(at, n - at);
                break;
            case 3 when n > 0: // delete a short range
                bytes.RemoveRange(at, Math.Min(n - at, 1 + (int)(Value % 16)));
                break;
            case 4: // insert a structural token
                bytes.InsertRange(at, Tokens[(int)(Value % (ulong)Tokens.Length)]);
                break;
            case 5 when n > 0: // duplicate a range (repeated fields, keys, records)
                int length = Math.Min(n - at, 1 + (int)(Value % 64));
                bytes.InsertRange(at, bytes.GetRange(at, length));
                break;
            case 6 when n > 0: // overwrite a little-endian integer of width 1, 2, 4 or 8 with a boundary value
                ulong value = InterestingIntegers[(int)(Value % (ulong)InterestingIntegers.Length)];
                int width = 1 << (int)(Value / 31 % 4);
                for (int i = 0; i < width && at + i < n; i++) bytes[at + i] = (byte)(value >> (8 * i));
                break;
            case 7: // replace the number at or after the position by a boundary number text
                ReplaceRun(bytes, at, IsNumberByte, InterestingNumbers[(int)(Value % (ulong)InterestingNumbers.Length)]);
                break;
            case 8: // replace a JSON scalar or string at or after the position by a value of another kind
                ReplaceRun(bytes, at, b => b is not ((byte)',' or (byte)'}' or (byte)']' or (byte)':' or (byte)'\n'),
                    InterestingJson[(int)(Value % (ulong)InterestingJson.Length)], startAfter: (byte)':');
                break;
            case 9: // splice: a range of another seed
                var other = seeds[(int)(Value % (ulong)seeds.Count)];
                if (other.Length == 0) break;
                int from = (int)((Value >> 8) % (ulong)other.Length);
                bytes.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 1 + (int)((Value >> 40) % 64))).ToArray());
                break;
            case 10 when n > 0: // insert a varint of a boundary value (protobuf lengths, counts and tags)
                bytes.InsertRange(at, Varint(InterestingIntegers[(int)(Value % (ulong)InterestingIntegers.Length)]));
                break;
        }
    }

    private static bool IsNumberByte(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+';

    /// <summary>Finds the next run of bytes matching <paramref name="inRun"/> from <paramref name="at"/> (after the next
    /// <paramref name="startAfter"/> when given) and replaces it by <paramref name="text"/>.</summary>
    private static void ReplaceRun(List<byte> bytes, int at, Func<byte, bool> inRun, string text, byte? startAfter = null)
    {
        int start = at;
        if (startAfter is { } marker)
        {
            while (start < bytes.Count && bytes[start] != marker) start++;
            start++;
            while (start < bytes.Count && bytes[start] == (byte)' ') start++;
        }
        else
        {
            while (start < bytes.Count && !inRun(bytes[start])) start++;
        }
        if (start >= bytes.Count) return;
        int end = start;
        if (startAfter is not null && bytes[start] == (byte)'"')
        {
            end++;
            while (end < bytes.Count && bytes[end] != (byte)'"') end++;
            end = Math.Min(end + 1, bytes.Count);
        }
        else
        {
            while (end < bytes.Count && inRun(bytes[end])) end++;
        }
        bytes.RemoveRange(start, end - start);
        bytes.InsertRange(start, Encoding.UTF8.GetBytes(text));
    }

    private static byte[] Varint(ulong value)
    {
        var result = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            result.Add(value == 0 ? b : (byte)(b | 0x80));
        } while (value != 0);
        return [.. result];
    }
}
