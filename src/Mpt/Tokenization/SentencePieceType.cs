namespace Mpt.Tokenization;

/// <summary>
/// The type of a vocabulary entry (<c>ModelProto.SentencePiece.Type</c> in sentencepiece_model.proto). Only
/// <see cref="Normal"/>, <see cref="UserDefined"/> and <see cref="Unused"/> pieces can be produced by the segmenter.
/// </summary>
public enum SentencePieceType
{
    /// <summary>An ordinary piece learned by the trainer.</summary>
    Normal = 1,
    /// <summary>The unknown piece (<c>&lt;unk&gt;</c>).</summary>
    Unknown = 2,
    /// <summary>A control symbol (<c>&lt;pad&gt;</c>, <c>&lt;/s&gt;</c>): never produced from text, decodes to nothing.</summary>
    Control = 3,
    /// <summary>A user-defined symbol: always segmented as one piece.</summary>
    UserDefined = 4,
    /// <summary>A piece kept in the vocabulary but never used by the segmenter.</summary>
    Unused = 5,
    /// <summary>A byte-fallback piece (<c>&lt;0xNN&gt;</c>).</summary>
    Byte = 6,
}
