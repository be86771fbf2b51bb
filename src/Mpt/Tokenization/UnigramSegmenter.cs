using System.Text;

namespace Mpt.Tokenization;

/// <summary>
/// Best segmentation of normalized text under a unigram model, as SentencePiece's <c>Model::EncodeOptimized</c>
/// (google/sentencepiece src/unigram_model.cc, the encoder used by sentencepiece 0.1.9x):
/// a left-to-right Viterbi over UTF-8 byte positions, without building a lattice.
/// <para>
/// Exactness details that decide equal-score ties, reproduced on purpose: a path score is stored as a <c>float</c>;
/// a piece candidate is computed in <c>double</c> (the C++ ternary with the <c>0.1</c> literal of the user-defined
/// branch makes the whole expression double) and compared against the stored float; the unknown candidate is float
/// throughout; a candidate replaces the stored one only when strictly greater, so among equal scores the path whose
/// last piece starts earliest wins. A character with no single-character piece gets an unknown node scored
/// <c>min_score - 10</c>.
/// </para>
/// </summary>
internal sealed class UnigramSegmenter
{
    private const float UnknownPenalty = 10.0f;      // kUnkPenalty
    private const float CFloatMin = 1.17549435E-38f;  // FLT_MIN, SentencePiece's initial max_score_

    private readonly PieceTrie _trie;
    private readonly float[] _scores;
    private readonly SentencePieceType[] _types;
    private readonly int _unknownId;
    private readonly float _unknownScore;
    private readonly float _maxScore;

    /// <summary>Builds the segmenter; <paramref name="unknownId"/> is the id of the model's unknown piece.</summary>
    public UnigramSegmenter(SentencePieceModelProto model, int unknownId)
    {
        int n = model.Pieces.Count;
        _scores = new float[n];
        _types = new SentencePieceType[n];
        float min = float.MaxValue, max = CFloatMin;
        var keys = new List<(byte[], int)>();
        for (int id = 0; id < n; id++)
        {
            var piece = model.Pieces[id];
            _scores[id] = piece.Score;
            _types[id] = piece.Type;
            if (piece.Type == SentencePieceType.Normal)
            {
                min = Math.Min(min, piece.Score);
                max = Math.Max(max, piece.Score);
            }
            if (piece.Type is SentencePieceType.Normal or SentencePieceType.UserDefined or SentencePieceType.Unused)
                keys.Add((Encoding.UTF8.GetBytes(piece.Text), id));
        }
        _trie = new PieceTrie(keys);
        _unknownId = unknownId;
        _unknownScore = min - UnknownPenalty;
        _maxScore = max;
    }

    /// <summary>
    /// Segments <paramref name="normalized"/> (UTF-8) and returns (start, length, id) per piece in text order.
    /// Unknown characters come one per node; <see cref="SentencePieceProcessor"/> merges runs of them.
    /// </summary>
    public List<(int Start, int Length, int Id)> Segment(ReadOnlySpan<byte> normalized)
    {
        int size = normalized.Length;
        var result = new List<(int, int, int)>();
        if (size == 0) return result;

        var bestScore = new float[size + 1];
        var startsAt = new int[size + 1];
        var bestId = new int[size + 1];
        Array.Fill(startsAt, -1);

        int start = 0;
        while (start < size)
        {
            float scoreTillHere = bestScore[start];
            bool hasSingleCharPiece = false;
            int charLength = Math.Min(Utf8CharLength.FromLeadByte(normalized[start]), size - start);
            int node = PieceTrie.Root;
            for (int key = start; key < size; key++)
            {
                if (!_trie.TryStep(node, normalized[key], out node)) break;
                int id = _trie.ValueAt(node);
                if (id < 0 || _types[id] == SentencePieceType.Unused) continue;
                int length = key + 1 - start;
                double score = _types[id] == SentencePieceType.UserDefined
                    ? (length * _maxScore) - 0.1     // user-defined symbols get a bonus so they always win
                    : _scores[id];
                double candidate = score + scoreTillHere;
                int end = key + 1;
                if (startsAt[end] == -1 || candidate > bestScore[end])
                {
                    bestScore[end] = (float)candidate;
                    startsAt[end] = start;
                    bestId[end] = id;
                }
                if (length == charLength) hasSingleCharPiece = true;
            }
            if (!hasSingleCharPiece)
            {
                int end = start + charLength;
                float candidate = _unknownScore + scoreTillHere;
                if (startsAt[end] == -1 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    startsAt[end] = start;
                    bestId[end] = _unknownId;
                }
            }
            start += charLength;
        }

        for (int end = size; end > 0; end = startsAt[end])
            result.Add((startsAt[end], end - startsAt[end], bestId[end]));
        result.Reverse();
        return result;
    }
}
