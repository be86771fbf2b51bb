using Mpt.Encoder;
using Xunit;

namespace Mpt.Tests.Encoder;

/// <summary>
/// NFD / NFC without ICU (the solution runs with InvariantGlobalization, where string.Normalize does nothing). The
/// expected strings are Python's unicodedata.normalize results.
/// </summary>
public sealed class UnicodeNormalizationTests
{
    [Theory]
    [InlineData("e\u0301", "\u00e9")]                      // composition
    [InlineData("\u212B", "\u00c5")]                       // singleton: ANGSTROM SIGN → Å
    [InlineData("\uF902", "\u8ECA")]                       // CJK compatibility ideograph → unified
    [InlineData("\u037E", ";")]                            // GREEK QUESTION MARK → semicolon
    [InlineData("d\u0307\u0323", "\u1E0D\u0307")]          // reordered by combining class, then composed
    [InlineData("\u0915\u093C", "\u0915\u093C")]           // composition exclusion (U+0958 stays decomposed)
    [InlineData("\u1112\u1161\u11AB", "\uD55C")]           // Hangul L V T → syllable
    [InlineData("\u01D5", "\u01D5")]                        // two-level composite survives the round trip
    [InlineData("plain ascii", "plain ascii")]
    public void Nfc_Matches_Python(string text, string nfc)
    {
        Assert.Equal(nfc, UnicodeNormalization.Nfc(text));
    }

    [Theory]
    [InlineData("\u00e9", "e\u0301")]
    [InlineData("\u01D5", "U\u0308\u0304")]                // full (recursive) decomposition
    [InlineData("d\u0307\u0323", "d\u0323\u0307")]         // canonical ordering: class 220 before 230
    [InlineData("\uD55C", "\u1112\u1161\u11AB")]
    public void Nfd_Matches_Python(string text, string nfd)
    {
        Assert.Equal(nfd, UnicodeNormalization.Nfd(text));
    }
}
