using Mpt.Serialization;
namespace Mpt.Tokenization;

/// <summary>
/// The parts of a serialized SentencePiece <c>ModelProto</c> (google/sentencepiece, src/sentencepiece_model.proto)
/// that encoding and decoding need: the pieces with scores and types, the normalizer spec (with its precompiled
/// character map) and a few trainer-spec fields. Field numbers and defaults follow the .proto file.
/// </summary>
public sealed class SentencePieceModelProto
{
    /// <summary>What a spiece.model file is, for error messages.</summary>
    private const string Format = "SentencePiece model";

    /// <summary>One vocabulary entry; its id is its index in <see cref="Pieces"/>.</summary>
    public sealed record Piece(string Text, float Score, SentencePieceType Type);

    /// <summary>The vocabulary in id order.</summary>
    public required IReadOnlyList<Piece> Pieces { get; init; }

    /// <summary><c>TrainerSpec.model_type</c>: 1 = unigram (the default), 2 = BPE, 3 = word, 4 = char.</summary>
    public int ModelType { get; init; } = 1;

    /// <summary><c>TrainerSpec.byte_fallback</c>.</summary>
    public bool ByteFallback { get; init; }

    /// <summary><c>TrainerSpec.treat_whitespace_as_suffix</c>.</summary>
    public bool TreatWhitespaceAsSuffix { get; init; }

    /// <summary><c>TrainerSpec.unk_surface</c>: what an unknown piece decodes to (default " ⁇ ", U+2047 between spaces).</summary>
    public string UnknownSurface { get; init; } = " \u2047 ";

    /// <summary><c>NormalizerSpec.name</c>, e.g. "nmt_nfkc" (informational).</summary>
    public string NormalizerName { get; init; } = "";

    /// <summary><c>NormalizerSpec.precompiled_charsmap</c>: the compiled normalization rules (may be empty = identity).</summary>
    public byte[] PrecompiledCharsMap { get; init; } = [];

    /// <summary><c>NormalizerSpec.add_dummy_prefix</c> (default true): prepend "▁" so a first word looks like any other.</summary>
    public bool AddDummyPrefix { get; init; } = true;

    /// <summary><c>NormalizerSpec.remove_extra_whitespaces</c> (default true): trim and collapse whitespace.</summary>
    public bool RemoveExtraWhitespaces { get; init; } = true;

    /// <summary><c>NormalizerSpec.escape_whitespaces</c> (default true): write spaces as "▁" (U+2581).</summary>
    public bool EscapeWhitespaces { get; init; } = true;

    /// <summary>True when the model carries a denormalizer with rules (not supported: T5 models have none).</summary>
    public bool HasDenormalizerRules { get; init; }

    /// <summary>Reads and parses a <c>.model</c> file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid SentencePiece model.</exception>
    public static SentencePieceModelProto Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"SentencePiece model '{path}' does not exist.", path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses serialized <c>ModelProto</c> bytes; <paramref name="source"/> names them in error messages.</summary>
    public static SentencePieceModelProto Parse(byte[] bytes, string source)
    {
        if (bytes.Length == 0) throw new InvalidDataException($"{source}: not a valid SentencePiece model (the file is empty).");
        var pieces = new List<Piece>();
        int modelType = 1;
        bool byteFallback = false, suffix = false, addDummyPrefix = true, removeExtra = true, escape = true, denormRules = false;
        string unkSurface = " \u2047 ", normalizerName = "";
        byte[] charsMap = [];

        var reader = new ProtobufWireReader(bytes, 0, bytes.Length, source, Format);
        while (reader.HasMore)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == ProtobufWireReader.LengthDelimited) // repeated SentencePiece pieces
            {
                var (start, length) = reader.ReadLengthDelimited();
                pieces.Add(ParsePiece(new ProtobufWireReader(bytes, start, length, source, Format), pieces.Count, source));
            }
            else if (field == 2 && wire == ProtobufWireReader.LengthDelimited) // TrainerSpec
            {
                var (start, length) = reader.ReadLengthDelimited();
                var spec = new ProtobufWireReader(bytes, start, length, source, Format);
                while (spec.HasMore)
                {
                    var (f, w) = spec.ReadTag();
                    switch (f)
                    {
                        case 3 when w == ProtobufWireReader.Varint: modelType = spec.ReadInt32(); break;
                        case 24 when w == ProtobufWireReader.Varint: suffix = spec.ReadBool(); break;
                        case 35 when w == ProtobufWireReader.Varint: byteFallback = spec.ReadBool(); break;
                        case 44 when w == ProtobufWireReader.LengthDelimited: unkSurface = spec.ReadString(); break;
                        default: spec.Skip(w); break;
                    }
                }
            }
            else if (field is 3 or 5 && wire == ProtobufWireReader.LengthDelimited) // NormalizerSpec / denormalizer spec
            {
                var (start, length) = reader.ReadLengthDelimited();
                var spec = new ProtobufWireReader(bytes, start, length, source, Format);
                bool isNormalizer = field == 3;
                while (spec.HasMore)
                {
                    var (f, w) = spec.ReadTag();
                    switch (f)
                    {
                        case 1 when w == ProtobufWireReader.LengthDelimited && isNormalizer: normalizerName = spec.ReadString(); break;
                        case 2 when w == ProtobufWireReader.LengthDelimited:
                            byte[] map = spec.ReadBytes();
                            if (isNormalizer) charsMap = map; else denormRules |= map.Length > 0;
                            break;
                        case 3 when w == ProtobufWireReader.Varint && isNormalizer: addDummyPrefix = spec.ReadBool(); break;
                        case 4 when w == ProtobufWireReader.Varint && isNormalizer: removeExtra = spec.ReadBool(); break;
                        case 5 when w == ProtobufWireReader.Varint && isNormalizer: escape = spec.ReadBool(); break;
                        case 6 when w == ProtobufWireReader.LengthDelimited && !isNormalizer:
                            denormRules |= spec.ReadString().Length > 0;
                            break;
                        default: spec.Skip(w); break;
                    }
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }
        if (pieces.Count == 0) throw new InvalidDataException($"{source}: not a valid SentencePiece model (it has no pieces).");
        return new SentencePieceModelProto
        {
            Pieces = pieces,
            ModelType = modelType,
            ByteFallback = byteFallback,
            TreatWhitespaceAsSuffix = suffix,
            UnknownSurface = unkSurface,
            NormalizerName = normalizerName,
            PrecompiledCharsMap = charsMap,
            AddDummyPrefix = addDummyPrefix,
            RemoveExtraWhitespaces = removeExtra,
            EscapeWhitespaces = escape,
            HasDenormalizerRules = denormRules,
        };
    }

    /// <summary>A copy with another <c>add_dummy_prefix</c>, as HF's non-legacy T5Tokenizer builds its processor.</summary>
    public SentencePieceModelProto WithAddDummyPrefix(bool value) => new()
    {
        Pieces = Pieces,
        ModelType = ModelType,
        ByteFallback = ByteFallback,
        TreatWhitespaceAsSuffix = TreatWhitespaceAsSuffix,
        UnknownSurface = UnknownSurface,
        NormalizerName = NormalizerName,
        PrecompiledCharsMap = PrecompiledCharsMap,
        AddDummyPrefix = value,
        RemoveExtraWhitespaces = RemoveExtraWhitespaces,
        EscapeWhitespaces = EscapeWhitespaces,
        HasDenormalizerRules = HasDenormalizerRules,
    };

    private static Piece ParsePiece(ProtobufWireReader reader, int id, string source)
    {
        string? text = null;
        float score = 0;
        int type = (int)SentencePieceType.Normal;
        while (reader.HasMore)
        {
            var (f, w) = reader.ReadTag();
            switch (f)
            {
                case 1 when w == ProtobufWireReader.LengthDelimited: text = reader.ReadString(); break;
                case 2 when w == ProtobufWireReader.Fixed32: score = reader.ReadFloat(); break;
                case 3 when w == ProtobufWireReader.Varint: type = reader.ReadInt32(); break;
                default: reader.Skip(w); break;
            }
        }
        if (text is null) throw new InvalidDataException($"{source}: not a valid SentencePiece model (piece {id} has no text).");
        if (type is < 1 or > 6) throw new InvalidDataException($"{source}: not a valid SentencePiece model (piece {id} has unknown type {type}).");
        return new Piece(text, score, (SentencePieceType)type);
    }
}
