namespace Mpt.RealData;

/// <summary>One synset read from a WNDB <c>data.*</c> file.</summary>
/// <param name="Offset">8-digit byte offset (the synset's id within its part of speech).</param>
/// <param name="Pos">Part of speech: n, v, a, r (adjective satellites <c>s</c> are reported as <c>a</c>).</param>
/// <param name="LexFile">Lexicographer file name (supersense), e.g. <c>noun.animal</c>.</param>
/// <param name="Words">Synset members in file order, underscores turned into spaces, adjective markers such as <c>(a)</c> removed.</param>
/// <param name="Definition">The gloss up to its first quoted example.</param>
/// <param name="Examples">The quoted example sentences of the gloss.</param>
/// <param name="Pointers">Relations to other synsets or words, in file order.</param>
public sealed record WordNetSynset(
    string Offset, char Pos, string LexFile, IReadOnlyList<string> Words, string Definition, IReadOnlyList<string> Examples,
    IReadOnlyList<WordNetPointer> Pointers);
