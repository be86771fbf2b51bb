using System.Buffers.Binary;

namespace Mpt.Tokenization;

/// <summary>
/// SentencePiece's compiled normalization rules (<c>NormalizerSpec.precompiled_charsmap</c>, e.g. nmt_nfkc): a u32
/// little-endian size, a darts-clone double-array trie over UTF-8 source sequences of that many bytes, then a blob of
/// NUL-terminated replacement strings that the trie values point into. Mirrors
/// <c>Normalizer::DecodePrecompiledCharsMap</c> and the trie lookup of <c>Normalizer::NormalizePrefix</c>
/// (google/sentencepiece, src/normalizer.cc).
/// </summary>
internal sealed class PrecompiledCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _replacements;

    private PrecompiledCharsMap(uint[] units, byte[] replacements)
    {
        _units = units;
        _replacements = replacements;
    }

    /// <summary>Decodes the blob; <c>null</c> for an empty blob (identity normalization).</summary>
    /// <exception cref="InvalidDataException">The blob is malformed.</exception>
    public static PrecompiledCharsMap? Decode(byte[] blob, string source)
    {
        if (blob.Length == 0) return null;
        if (blob.Length <= 4)
            throw new InvalidDataException($"{source}: the precompiled_charsmap is too short ({blob.Length} bytes).");
        uint trieSize = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize >= (uint)blob.Length - 4 + 1 || trieSize % 4 != 0)
            throw new InvalidDataException($"{source}: the precompiled_charsmap trie size {trieSize} does not fit its {blob.Length}-byte blob.");
        var units = new uint[trieSize / 4];
        for (int i = 0; i < units.Length; i++)
            units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(4 + 4 * i));
        byte[] replacements = blob.AsSpan(4 + (int)trieSize).ToArray();
        return new PrecompiledCharsMap(units, replacements);
    }

    /// <summary>
    /// Finds the longest rule whose source is a prefix of <paramref name="input"/>. Returns its source length in bytes
    /// (0 = no rule) and sets <paramref name="replacement"/> to the replacement bytes (possibly empty: a deletion).
    /// </summary>
    public int LongestMatch(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        replacement = default;
        if (_units.Length == 0) return 0;
        int longest = 0;
        uint longestValue = 0;
        // darts-clone commonPrefixSearch from the root (node 0).
        uint id = Offset(_units[0]);
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            id ^= b;
            if (id >= (uint)_units.Length) break;
            uint unit = _units[id];
            if (Label(unit) != b) break;
            id ^= Offset(unit);
            if (HasLeaf(unit))
            {
                if (id >= (uint)_units.Length) break;
                longest = i + 1; // results come in increasing length, so the last one is the longest
                longestValue = _units[id] & 0x7FFFFFFFu;
            }
        }
        if (longest == 0) return 0;
        if (longestValue >= (uint)_replacements.Length)
            throw new InvalidDataException($"The precompiled_charsmap points at replacement offset {longestValue}, past its {_replacements.Length}-byte string blob.");
        var rest = _replacements.AsSpan((int)longestValue);
        int nul = rest.IndexOf((byte)0);
        replacement = nul < 0 ? rest : rest[..nul];
        return longest;
    }

    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;
    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFFu);
    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
