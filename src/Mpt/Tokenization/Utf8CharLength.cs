namespace Mpt.Tokenization;

/// <summary>UTF-8 character lengths as SentencePiece computes them (src/util.h <c>OneCharLen</c>, <c>IsValidDecodeUTF8</c>).</summary>
internal static class Utf8CharLength
{
    /// <summary>Length of the character that starts with <paramref name="lead"/>, from its high nibble (1 for continuation bytes).</summary>
    public static int FromLeadByte(byte lead) => (lead >> 4) switch
    {
        12 or 13 => 2,
        14 => 3,
        15 => 4,
        _ => 1,
    };

    /// <summary>Length of the first character when it is well-formed UTF-8, else 0.</summary>
    public static int ValidLength(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty) return 0;
        var status = System.Text.Rune.DecodeFromUtf8(input, out _, out int consumed);
        return status == System.Buffers.OperationStatus.Done ? consumed : 0;
    }
}
