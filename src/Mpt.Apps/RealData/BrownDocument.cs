namespace Mpt.RealData;

/// <summary>One Brown corpus document: its file id, genre, and sentences as (word, tag) tokens.</summary>
/// <param name="Id">File name, e.g. <c>ca01</c>.</param>
/// <param name="Genre">NLTK category from <c>cats.txt</c>, e.g. <c>news</c>.</param>
/// <param name="Sentences">Sentences in file order; each token's tag is the full Brown tag (e.g. <c>nn-tl</c>).</param>
public sealed record BrownDocument(string Id, string Genre, IReadOnlyList<IReadOnlyList<(string Word, string Tag)>> Sentences);
