using System.Text;

namespace Mpt.Tokenization;

/// <summary>
/// A SentencePiece unigram processor written from the sentencepiece 0.1.97 sources: <c>encode</c> (normalize, Viterbi,
/// merge runs of unknown pieces into one) and <c>decode</c> (drop control pieces, render the unknown piece as
/// <c>unk_surface</c> " ⁇ ", strip the leading "▁" of the first piece, "▁" → " "). Equal to Python
/// <c>sentencepiece.SentencePieceProcessor</c> on every golden string, including equal-score ties.
/// <para>
/// Written instead of using Microsoft.ML.Tokenizers 2.0.1 because that library crashes on T5's <c>bos_id = -1</c>,
/// emits one unknown per character, keeps characters that nmt_nfkc deletes (U+0007) and breaks ties differently
/// (docs/stack.md §4.1).
/// </para>
/// </summary>
public sealed class SentencePieceProcessor
{
    private const string SpaceSymbol = "\u2581";

    private readonly SentencePieceModelProto _model;
    private readonly SentencePieceNormalizer _normalizer;
    private readonly UnigramSegmenter _segmenter;
    private readonly Dictionary<string, int> _segmentablePieces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _reservedPieces = new(StringComparer.Ordinal);
    private readonly string _source;

    private SentencePieceProcessor(SentencePieceModelProto model, string source)
    {
        if (model.ModelType != 1)
            throw new NotSupportedException($"{source}: model_type {model.ModelType} is not supported; only unigram (1) models, as T5 uses, are.");
        if (model.ByteFallback)
            throw new NotSupportedException($"{source}: byte_fallback models are not supported (T5 models do not use it).");
        if (model.HasDenormalizerRules)
            throw new NotSupportedException($"{source}: models with denormalization rules are not supported (T5 models have none).");
        _model = model;
        _source = source;
        int unknownId = -1;
        for (int id = 0; id < model.Pieces.Count; id++)
        {
            var piece = model.Pieces[id];
            bool segmentable = piece.Type is SentencePieceType.Normal or SentencePieceType.UserDefined or SentencePieceType.Unused;
            if (!(segmentable ? _segmentablePieces : _reservedPieces).TryAdd(piece.Text, id))
                throw new InvalidDataException($"{source}: piece '{piece.Text}' (id {id}) is defined twice.");
            if (piece.Type == SentencePieceType.Unknown)
            {
                if (unknownId >= 0) throw new InvalidDataException($"{source}: more than one unknown piece (ids {unknownId} and {id}).");
                unknownId = id;
            }
        }
        if (unknownId < 0) throw new InvalidDataException($"{source}: the model has no unknown piece.");
        UnknownId = unknownId;
        _normalizer = new SentencePieceNormalizer(model, source);
        _segmenter = new UnigramSegmenter(model, unknownId);
    }

    /// <summary>Loads a <c>.model</c> file (e.g. T5's <c>spiece.model</c>).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid SentencePiece model.</exception>
    /// <exception cref="NotSupportedException">The model is not a plain unigram model.</exception>
    public static SentencePieceProcessor Load(string path) => new(SentencePieceModelProto.Load(path), path);

    /// <summary>Builds a processor from a parsed model; <paramref name="source"/> names it in error messages.</summary>
    public static SentencePieceProcessor FromModel(SentencePieceModelProto model, string source) => new(model, source);

    /// <summary>
    /// The same model with <c>add_dummy_prefix</c> set to <paramref name="value"/>; HF's <c>T5Tokenizer(legacy=False)</c>
    /// loads spiece.model this way (tokenization_t5.py <c>get_spm_processor</c>).
    /// </summary>
    public SentencePieceProcessor WithAddDummyPrefix(bool value) =>
        value == _model.AddDummyPrefix ? this : new(_model.WithAddDummyPrefix(value), _source);

    /// <summary>The parsed model.</summary>
    public SentencePieceModelProto Model => _model;

    /// <summary>Number of pieces (<c>get_piece_size()</c>).</summary>
    public int PieceSize => _model.Pieces.Count;

    /// <summary>Id of the unknown piece.</summary>
    public int UnknownId { get; }

    /// <summary>The id of a piece; the unknown id when the text is no piece (as <c>piece_to_id</c>).</summary>
    public int PieceToId(string piece) =>
        _reservedPieces.TryGetValue(piece, out int id) || _segmentablePieces.TryGetValue(piece, out id) ? id : UnknownId;

    /// <summary>The text of piece <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside [0, <see cref="PieceSize"/>).</exception>
    public string IdToPiece(int id) => _model.Pieces[CheckId(id)].Text;

    /// <summary>True for control pieces (<c>&lt;pad&gt;</c>, <c>&lt;/s&gt;</c>).</summary>
    public bool IsControl(int id) => _model.Pieces[CheckId(id)].Type == SentencePieceType.Control;

    /// <summary>True for the unknown piece.</summary>
    public bool IsUnknown(int id) => _model.Pieces[CheckId(id)].Type == SentencePieceType.Unknown;

    /// <summary><c>encode(text)</c>: ids only (no BOS/EOS).</summary>
    public int[] EncodeIds(string text)
    {
        var (ids, _) = EncodeCore(text, withPieces: false);
        return ids;
    }

    /// <summary><c>encode(text, out_type=str)</c>: the pieces; a merged run of unknown characters is one piece holding their normalized text.</summary>
    public string[] EncodePieces(string text) => EncodeCore(text, withPieces: true).Pieces!;

    /// <summary>Ids and pieces of <paramref name="text"/> in one pass.</summary>
    public (int[] Ids, string[] Pieces) Encode(string text)
    {
        var (ids, pieces) = EncodeCore(text, withPieces: true);
        return (ids, pieces!);
    }

    private (int[] Ids, string[]? Pieces) EncodeCore(string text, bool withPieces)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] normalized = _normalizer.Normalize(Encoding.UTF8.GetBytes(text));
        var nodes = _segmenter.Segment(normalized);
        var ids = new List<int>(nodes.Count);
        var pieces = withPieces ? new List<string>(nodes.Count) : null;
        int runStart = -1;
        bool previousUnknown = false;
        // SentencePiece merges consecutive unknown nodes into one unknown piece (PopulateSentencePieceText).
        for (int i = 0; i <= nodes.Count; i++)
        {
            bool unknown = i < nodes.Count && nodes[i].Id == UnknownId;
            if (previousUnknown && !unknown)
            {
                ids.Add(UnknownId);
                var last = nodes[i - 1];
                pieces?.Add(Encoding.UTF8.GetString(normalized, runStart, last.Start + last.Length - runStart));
            }
            if (i == nodes.Count) break;
            if (unknown)
            {
                if (!previousUnknown) runStart = nodes[i].Start;
            }
            else
            {
                ids.Add(nodes[i].Id);
                pieces?.Add(Encoding.UTF8.GetString(normalized, nodes[i].Start, nodes[i].Length));
            }
            previousUnknown = unknown;
        }
        return (ids.ToArray(), pieces?.ToArray());
    }

    /// <summary><c>decode(ids)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, <see cref="PieceSize"/>).</exception>
    public string DecodeIds(IEnumerable<int> ids) => DecodePieces(ids.Select(IdToPiece).ToList());

    /// <summary>
    /// <c>decode(pieces)</c> (SentencePieceProcessor::Decode): each piece is looked up by text; control pieces vanish;
    /// the unknown piece's own text renders as <c>unk_surface</c>, any other unknown text is copied unchanged;
    /// while nothing has been written yet a leading "▁" is dropped; every "▁" becomes a space.
    /// </summary>
    public string DecodePieces(IReadOnlyList<string> pieces)
    {
        var text = new StringBuilder();
        bool isBosWhitespace = true, bosWhitespaceSeen = false;
        foreach (string piece in pieces)
        {
            int id = PieceToId(piece);
            if (bosWhitespaceSeen || text.Length > 0) isBosWhitespace = false;
            bosWhitespaceSeen = false;
            var type = _model.Pieces[id].Type;
            if (type == SentencePieceType.Control) continue;
            if (type == SentencePieceType.Unknown)
            {
                text.Append(_model.Pieces[id].Text == piece ? _model.UnknownSurface : piece);
                continue;
            }
            string surface = piece;
            if (isBosWhitespace && (_model.AddDummyPrefix || _model.RemoveExtraWhitespaces))
            {
                bool consumed = surface.StartsWith(SpaceSymbol, StringComparison.Ordinal);
                if (consumed) surface = surface[SpaceSymbol.Length..];
                // With remove_extra_whitespaces every leading "▁" of the text goes, not only the first one.
                bosWhitespaceSeen = consumed && !_model.RemoveExtraWhitespaces;
            }
            text.Append(surface.Replace(SpaceSymbol, " ", StringComparison.Ordinal));
        }
        return text.ToString();
    }

    private int CheckId(int id)
    {
        if ((uint)id >= (uint)_model.Pieces.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Invalid id {id}: the model {_source} has {_model.Pieces.Count} pieces.");
        return id;
    }
}
