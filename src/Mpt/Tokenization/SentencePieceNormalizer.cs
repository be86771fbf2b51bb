using System.Text;

namespace Mpt.Tokenization;

/// <summary>
/// SentencePiece's text normalizer (<c>Normalizer::Normalize</c>, google/sentencepiece src/normalizer.cc): applies the
/// precompiled character map (longest rule first), drops leading whitespace, collapses runs of spaces, writes spaces
/// as "▁" (U+2581), adds the dummy "▁" prefix and drops trailing "▁". Works on UTF-8 bytes as SentencePiece does, so
/// a literal "▁" in the input is treated like an escaped space at the end of the text (it is trimmed there too).
/// </summary>
internal sealed class SentencePieceNormalizer
{
    private static readonly byte[] SpaceSymbol = "\u2581"u8.ToArray();
    private static readonly byte[] ReplacementCharacter = "\uFFFD"u8.ToArray();

    private readonly PrecompiledCharsMap? _charsMap;
    private readonly byte[][] _userDefinedSymbols;
    private readonly bool _addDummyPrefix;
    private readonly bool _removeExtraWhitespaces;
    private readonly bool _escapeWhitespaces;
    private readonly bool _treatWhitespaceAsSuffix;

    /// <summary>Builds the normalizer of <paramref name="model"/>; user-defined symbols are never normalized inside.</summary>
    public SentencePieceNormalizer(SentencePieceModelProto model, string source)
    {
        _charsMap = PrecompiledCharsMap.Decode(model.PrecompiledCharsMap, source);
        _userDefinedSymbols = model.Pieces.Where(p => p.Type == SentencePieceType.UserDefined)
            .Select(p => Encoding.UTF8.GetBytes(p.Text)).ToArray();
        _addDummyPrefix = model.AddDummyPrefix;
        _removeExtraWhitespaces = model.RemoveExtraWhitespaces;
        _escapeWhitespaces = model.EscapeWhitespaces;
        _treatWhitespaceAsSuffix = model.TreatWhitespaceAsSuffix;
    }

    /// <summary>Normalizes UTF-8 text; the result is UTF-8 (empty when the text is only whitespace).</summary>
    public byte[] Normalize(ReadOnlySpan<byte> input)
    {
        // Leading whitespace: skip every prefix that normalizes to exactly one space.
        if (_removeExtraWhitespaces)
        {
            while (!input.IsEmpty)
            {
                int consumed = NormalizePrefix(input, out var replacement);
                if (!(replacement.Length == 1 && replacement[0] == (byte)' ')) break;
                input = input[consumed..];
            }
        }
        if (input.IsEmpty) return [];

        var output = new ByteBuffer(input.Length * 3 + 8);
        if (!_treatWhitespaceAsSuffix && _addDummyPrefix) AddSpace(ref output);

        bool isPrevSpace = _removeExtraWhitespaces;
        while (!input.IsEmpty)
        {
            int consumed = NormalizePrefix(input, out var piece);
            // A run of spaces collapses: drop the leading spaces of this chunk when the previous one ended with a space.
            while (isPrevSpace && !piece.IsEmpty && piece[0] == (byte)' ') piece = piece[1..];
            if (!piece.IsEmpty)
            {
                foreach (byte b in piece)
                {
                    if (_escapeWhitespaces && b == (byte)' ') output.Append(SpaceSymbol);
                    else output.Append(b);
                }
                isPrevSpace = piece[^1] == (byte)' ';
            }
            input = input[consumed..];
            if (!_removeExtraWhitespaces) isPrevSpace = false;
        }

        // Trailing whitespace (escaped or not) is dropped, including a literal "▁" that was in the input.
        if (_removeExtraWhitespaces)
        {
            byte[] space = _escapeWhitespaces ? SpaceSymbol : [(byte)' '];
            while (output.Written.EndsWith(space)) output.Truncate(output.Length - space.Length);
        }
        if (_treatWhitespaceAsSuffix && _addDummyPrefix) AddSpace(ref output);
        return output.ToArray();
    }

    private void AddSpace(ref ByteBuffer output)
    {
        if (_escapeWhitespaces) output.Append(SpaceSymbol);
        else output.Append((byte)' ');
    }

    /// <summary>A growable byte buffer without per-byte overhead.</summary>
    private struct ByteBuffer(int capacity)
    {
        private byte[] _bytes = new byte[capacity];

        public int Length { get; private set; }

        public readonly ReadOnlySpan<byte> Written => _bytes.AsSpan(0, Length);

        public void Append(byte b)
        {
            if (Length == _bytes.Length) Array.Resize(ref _bytes, _bytes.Length * 2);
            _bytes[Length++] = b;
        }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            foreach (byte b in bytes) Append(b);
        }

        public void Truncate(int length) => Length = length;

        public readonly byte[] ToArray() => Written.ToArray();
    }

    /// <summary>
    /// Normalizes the first unit of <paramref name="input"/>: a user-defined symbol (kept as is), else the longest
    /// charsmap rule, else one UTF-8 character unchanged (a malformed byte becomes U+FFFD). Returns the bytes consumed.
    /// </summary>
    private int NormalizePrefix(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        int userDefined = 0;
        foreach (byte[] symbol in _userDefinedSymbols)
            if (symbol.Length > userDefined && input.StartsWith(symbol)) userDefined = symbol.Length;
        if (userDefined > 0)
        {
            replacement = input[..userDefined];
            return userDefined;
        }
        if (_charsMap is not null)
        {
            int matched = _charsMap.LongestMatch(input, out replacement);
            if (matched > 0) return matched;
        }
        int length = Utf8CharLength.ValidLength(input);
        if (length == 0)
        {
            replacement = ReplacementCharacter;
            return 1;
        }
        replacement = input[..length];
        return length;
    }
}
