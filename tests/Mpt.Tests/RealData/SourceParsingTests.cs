using Mpt.Data;
using Mpt.RealData;
using Xunit;

namespace Mpt.Tests.RealData;

/// <summary>Readers of the individual source formats: Brown word/tag, WNDB, e-mail, fortunes, sentences, VADER.</summary>
public sealed class SourceParsingTests
{
    [Fact]
    public void Should_Strip_Brown_Tags_At_The_Last_Slash_And_Detokenize()
    {
        // Given a Brown line with quotes, brackets, closing punctuation and a word containing '/'
        var where = new RowLocation("ca01", Line: 3);
        var tokens = BrownCorpus.ParseTagged("The/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' (/( 1/2/cd )/) ,/, then/rb left/vbd ./.", where);

        // When it is detokenised
        string text = BrownCorpus.Detokenize(tokens.Select(t => t.Word));

        // Then tags are gone, quotes attach to the quoted words and punctuation to the previous word
        Assert.Equal("The jury said \"no evidence\" (1/2), then left.", text);
        Assert.Equal(("1/2", "cd"), tokens[8]);
    }

    [Fact]
    public void Should_Name_File_And_Line_Of_A_Brown_Token_Without_Tag()
    {
        var e = Assert.Throws<DataFormatException>(() => BrownCorpus.ParseTagged("The/at jury", new RowLocation("ca01", Line: 7)));
        Assert.Contains("ca01 line 7", e.Message);
        Assert.Contains("'jury'", e.Message);
    }

    [Theory]
    [InlineData("nn", "NOUN")]
    [InlineData("nns$-tl-hl", "NOUN")]
    [InlineData("np-tl", "NOUN")]
    [InlineData("bedz*", "VERB")]
    [InlineData("ppss+md", "PRON")]
    [InlineData("pp$", "PRON")]
    [InlineData("pp$$", "PRON")]
    [InlineData("wdt", "DET")]
    [InlineData("at-hl", "DET")]
    [InlineData("in-tl-nc", "ADP")]
    [InlineData("cd", "NUM")]
    [InlineData("od", "ADJ")]
    [InlineData("to", "PRT")]
    [InlineData("rp", "PRT")]
    [InlineData("ql", "ADV")]
    [InlineData("*", "ADV")]
    [InlineData("cs", "CONJ")]
    [InlineData("fw-nn", "X")]
    [InlineData("uh", "X")]
    [InlineData("``", ".")]
    [InlineData("(-hl", ".")]
    [InlineData("NN-TL", "NOUN")]
    public void Should_Map_Brown_Tags_To_Universal_Tags(string brown, string universal) =>
        Assert.Equal(universal, UniversalTagMap.Map(brown));

    [Fact]
    public void Should_Not_Map_Tags_Outside_The_Brown_Tagset()
    {
        Assert.Null(UniversalTagMap.Map("zzz"));
        Assert.Null(UniversalTagMap.Map("-tl"));
        Assert.DoesNotContain(".", UniversalTagMap.WordTags);
    }

    [Fact]
    public void Should_Parse_A_Wndb_Data_Line_Into_Supersense_Words_Definition_And_Examples()
    {
        var s = WordNetDatabase.ParseDataLine(
            "01125430 00 s 03 big(a) 0 large 0 great_big 1 001 & 01123148 a 0000 | above average in size; \"a big house\"; \"large crowds\"  ",
            'a', new RowLocation("data.adj", Line: 40));
        Assert.Equal("01125430", s.Offset);
        Assert.Equal('a', s.Pos);
        Assert.Equal("adj.all", s.LexFile);
        Assert.Equal(["big", "large", "great big"], s.Words);
        Assert.Equal("above average in size", s.Definition);
        Assert.Equal(["a big house", "large crowds"], s.Examples);
        Assert.Equal([new WordNetPointer("&", "01123148", 'a', 0, 0)], s.Pointers);
    }

    [Fact]
    public void Should_Reject_A_Wndb_Line_With_Bad_Lexfile_Or_Wrong_Pos()
    {
        var bad = Assert.Throws<DataFormatException>(() =>
            WordNetDatabase.ParseDataLine("00001740 45 n 01 entity 0 000 | x", 'n', new RowLocation("data.noun", Line: 30)));
        Assert.Contains("data.noun line 30", bad.Message);
        Assert.Contains("lex_filenum", bad.Message);
        var pos = Assert.Throws<DataFormatException>(() =>
            WordNetDatabase.ParseDataLine("00001740 03 n 01 entity 0 000 | x", 'v', new RowLocation("data.verb", Line: 31)));
        Assert.Contains("ss_type", pos.Message);
    }

    [Fact]
    public void Should_Parse_Lexical_Pointers_With_Their_Word_Numbers_And_Satellite_Targets()
    {
        var s = WordNetDatabase.ParseDataLine("01123148 00 a 02 good 0 full 0 002 ! 01125429 a 0101 & 01125430 s 0000 | x",
            'a', new RowLocation("data.adj", Line: 1));
        Assert.Equal([new WordNetPointer("!", "01125429", 'a', 1, 1), new WordNetPointer("&", "01125430", 'a', 0, 0)], s.Pointers);
        var bad = Assert.Throws<DataFormatException>(() =>
            WordNetDatabase.ParseDataLine("01123148 00 a 01 good 0 002 ! 01125429 a 0101 | x", 'a', new RowLocation("data.adj", Line: 5)));
        Assert.Contains("p_cnt", bad.Message);
    }

    [Fact]
    public void Should_Parse_A_Wndb_Index_Line_And_Refuse_Inconsistent_Counts()
    {
        var (lemma, offsets) = WordNetDatabase.ParseIndexLine("dog n 2 2 @ ~ 2 1 02086723 10133978  ", new RowLocation("index.noun", Line: 1));
        Assert.Equal("dog", lemma);
        Assert.Equal(["02086723", "10133978"], offsets);
        var e = Assert.Throws<DataFormatException>(() => WordNetDatabase.ParseIndexLine("dog n 3 2 @ ~ 2 1 02086723 10133978", new RowLocation("index.noun", Line: 9)));
        Assert.Contains("index.noun line 9", e.Message);
    }

    [Fact]
    public void Should_Load_WordNet_Senses_In_Index_Order_And_Find_Base_Forms()
    {
        using var fixtures = new RealDataFixtures();
        var wordnet = WordNetDatabase.Load(fixtures.Folders.WordNet);

        Assert.Equal(16, wordnet.Synsets.Count); // the licence header lines are skipped
        Assert.Equal(["01125429", "01125431"], wordnet.SensesOf("bad", 'a').Select(s => s.Offset));
        Assert.Equal("domestic dog", wordnet.SensesOf("domestic dog", 'n')[0].Words[1]);
        Assert.Empty(wordnet.SensesOf("bad", 'n'));
        Assert.Equal("abandon", wordnet.BaseForm("abandons", 'v'));
        Assert.Equal("love", wordnet.BaseForm("loved", 'v'));
        Assert.Equal("bad", wordnet.BaseForm("bad", 'a'));
        Assert.Null(wordnet.BaseForm("zzyzx", 'n'));
    }

    [Fact]
    public void Should_Keep_Only_Subject_And_Readable_Body_Of_An_Email()
    {
        // Given a plain message with routing headers, a list tag and an address in the body
        string raw = "From a@b.com  Tue Aug  6 11:51:02 2002\nReturn-Path: <a@b.com>\nReceived: from x\n\tby y\n" +
                     "Subject: [ILUG] Re: help\n with folding\n\nAsk john.smith@example.org  about it.\n\n-- \nsig";

        var (subject, body) = EmailText.Extract(raw, maxBodyChars: 400);

        // Then headers are gone, the folded subject is joined, the tag removed and the address masked
        Assert.Equal("Re: help with folding", subject);
        Assert.Equal("Ask [email] about it. -- sig", body);
        Assert.DoesNotContain("Return-Path", body);
    }

    [Fact]
    public void Should_Decode_Mime_Parts_Quoted_Printable_Base64_Html_And_Encoded_Subjects()
    {
        string multipart = "Subject: =?iso-8859-1?Q?Caf=E9_deal?=\nContent-Type: multipart/alternative; boundary=\"B1\"\n\n" +
                           "preamble\n--B1\nContent-Type: text/html\n\n<p>ignored</p>\n--B1\nContent-Type: text/plain\n" +
                           "Content-Transfer-Encoding: quoted-printable\n\nCheap caf=E9 =\nprices\n--B1--\n";
        Assert.Equal(("Café deal", "Cheap café prices"), EmailText.Extract(multipart, 400));

        string base64 = "Subject: =?utf-8?B?SGVsbG8=?=\nContent-Transfer-Encoding: base64\n\n" + Convert.ToBase64String("Reply today"u8.ToArray()) + "\n";
        Assert.Equal(("Hello", "Reply today"), EmailText.Extract(base64, 400));

        string html = "Subject: x\nContent-Type: text/html\n\n<html><style>p{}</style><body><p>Buy <b>now</b> &amp; save!</p></body></html>";
        Assert.Equal("Buy now & save!", EmailText.Extract(html, 400).Body);
    }

    [Fact]
    public void Should_Cut_The_Body_At_A_Word_Boundary()
    {
        string raw = "Subject: s\n\n" + string.Join(' ', Enumerable.Repeat("word", 200));
        string body = EmailText.Extract(raw, 400).Body;
        Assert.True(body.Length <= 400);
        Assert.EndsWith("word", body);
    }

    [Fact]
    public void Should_Split_Sentences_But_Not_At_Titles_Initials_Or_Us()
    {
        var sentences = SentenceSplitter.Split("Mr. Speaker, I met Gen. Smith and J. Q. Adams in the U.S. Senate. It was fine! \"Was it?\" Yes.");
        Assert.Equal(["Mr. Speaker, I met Gen. Smith and J. Q. Adams in the U.S. Senate.", "It was fine!", "\"Was it?\"", "Yes."], sentences);
    }

    [Fact]
    public void Should_Map_Years_To_Eras_At_The_Boundaries()
    {
        Assert.Equal("1790-1849", SotuEraTask.EraOf(1790));
        Assert.Equal("1790-1849", SotuEraTask.EraOf(1849));
        Assert.Equal("1850-1899", SotuEraTask.EraOf(1850));
        Assert.Equal("1950-1999", SotuEraTask.EraOf(1999));
        Assert.Equal("2000-2021", SotuEraTask.EraOf(2021));
        Assert.Throws<ArgumentOutOfRangeException>(() => SotuEraTask.EraOf(1789));
    }

    [Fact]
    public void Should_Read_Fortunes_Between_Percent_Lines_With_Whitespace_Collapsed()
    {
        string dir = Directory.CreateTempSubdirectory("mpt-fortune-").FullName;
        try
        {
            string path = Path.Combine(dir, "food");
            File.WriteAllText(path, "1893 The ideal brain tonic\n\t\t-- Coca-Cola slogans\n%\n%\nSecond one.\n%\nLast, no trailing percent.\n");
            Assert.Equal(["1893 The ideal brain tonic -- Coca-Cola slogans", "Second one.", "Last, no trailing percent."],
                FortuneTopicTask.ReadFortunes(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Should_Read_The_Vader_Lexicon_And_Name_The_Line_Of_A_Bad_Rating()
    {
        using var fixtures = new RealDataFixtures();
        var entries = VaderLexicon.Read(fixtures.Folders.Vader);
        Assert.Equal(9, entries.Count);
        Assert.Equal(("abandon", -1.9), entries[1]);

        File.AppendAllText(Path.Combine(fixtures.Folders.Vader, "vader_lexicon.txt"), "oops\tnot-a-number\t0.1\t[]\n");
        var e = Assert.Throws<DataFormatException>(() => VaderLexicon.Read(fixtures.Folders.Vader));
        Assert.Contains("vader_lexicon.txt line 10", e.Message);
        Assert.Contains("mean", e.Message);
    }
}
