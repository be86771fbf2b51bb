using System.Text;
using Mpt.RealData;

namespace Mpt.Tests.RealData;

/// <summary>
/// Writes tiny hand-written copies of every source package, in each package's own file layout and format, into a
/// temporary folder — so the builders are tested without network and without the licensed corpora.
/// </summary>
internal sealed class RealDataFixtures : IDisposable
{
    public RealDataFixtures()
    {
        Root = Directory.CreateTempSubdirectory("mpt-realdata-").FullName;
        Folders = new SourceFolders(
            Brown: WriteBrown(Path.Combine(Root, "brown")),
            WordNet: WriteWordNet(Path.Combine(Root, "wordnet")),
            Sotu: WriteSotu(Path.Combine(Root, "sotu")),
            SpamAssassin: WriteSpam(Path.Combine(Root, "spam")),
            UciSentiment: WriteUci(Path.Combine(Root, "sentiment")),
            Vader: WriteVader(Path.Combine(Root, "vader")),
            Fortunes: WriteFortunes(Path.Combine(Root, "fortunes")));
    }

    public string Root { get; }

    public SourceFolders Folders { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    public static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(false));
    }

    /// <summary>Brown: 10 news documents (ca01–ca10) and 10 romance documents (cp01–cp10), 3 tagged sentences each, NLTK layout.</summary>
    private static string WriteBrown(string dir)
    {
        var cats = new StringBuilder();
        foreach (var (prefix, genre) in new[] { ("ca", "news"), ("cp", "romance") })
            for (int d = 1; d <= 10; d++)
            {
                string doc = $"{prefix}{d:D2}";
                cats.Append($"{doc} {genre}\n");
                Write(Path.Combine(dir, doc),
                    $"\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' was/bedz found/vbn in/in {doc}/np ./.\n\n\n" +
                    $"\tShe/pps smiled/vbd ,/, and/cc he/pps left/vbd (/( quietly/rb )/) ./.\n\n" +
                    $"\tDocument/nn-tl {d}/cd-tl ends/vbz here/rb ;/. 1/2/cd ./.\n");
            }
        Write(Path.Combine(dir, "cats.txt"), cats.ToString());
        return dir;
    }

    /// <summary>
    /// WordNet: a few synsets per part of speech in WNDB format (licence header lines start with two spaces), with
    /// index files listing senses most-frequent first. "good" is both an adjective and a noun (one sense each); the
    /// polysemous lemmas with examples — "bad" (a), "bread" (n), "eat" (v) — are the WSD target's lemmas.
    /// </summary>
    private static string WriteWordNet(string dir)
    {
        const string header = "  1 This software and database is being provided to you, the LICENSEE, by\n  2 Princeton University under the following license.\n";
        Write(Path.Combine(dir, "dict", "data.noun"), header +
            "00001740 03 n 01 entity 0 001 ~ 02086723 n 0000 | that which is perceived or known or inferred to have its own distinct existence  \n" +
            "02086723 05 n 02 dog 0 domestic_dog 0 002 @ 00001740 n 0000 %p 02100000 n 0000 | a member of the genus Canis; \"the dog barked all night\"  \n" +
            "02100000 08 n 01 tail 0 001 #p 02086723 n 0000 | the posterior part of the body of a vertebrate  \n" +
            "05159725 07 n 01 good 0 000 | benefit; \"for your own good\"; \"what's the good of worrying?\"  \n" +
            "07809368 13 n 01 bread 0 000 | food made from dough of flour or meal; \"she baked bread\"  \n" +
            "13333333 21 n 02 bread 1 staff_of_life 0 000 | informal terms for money; \"he needs some bread\"; \"no staff of life here\"  \n" +
            "10000001 18 n 01 hero 0 000 | a man distinguished by exceptional courage  \n");
        Write(Path.Combine(dir, "dict", "data.verb"), header +
            "01168468 34 v 01 eat 0 000 01 + 08 00 | take in solid food; \"She was eating a banana\"  \n" +
            "01170000 31 v 01 eat 1 000 01 + 08 00 | worry or cause anxiety in a persistent way; \"What's eating you?\"; \"it eats at me\"  \n" +
            "02000001 37 v 01 love 0 000 01 + 08 00 | have a great affection or liking for  \n" +
            "02000002 41 v 01 abandon 0 000 01 + 08 00 | forsake, leave behind  \n");
        Write(Path.Combine(dir, "dict", "data.adj"), header +
            "01123148 00 a 01 good 0 001 ! 01125429 a 0101 | having desirable or positive qualities; \"a good report card\"  \n" +
            "01125429 00 a 01 bad 0 001 ! 01123148 a 0101 | having undesirable or negative qualities  \n" +
            "01125430 00 s 02 big(a) 0 large 0 000 | above average in size  \n" +
            "01125431 00 a 01 bad 1 000 | (of foodstuffs) not in an edible or usable condition; \"bad meat\"  \n");
        Write(Path.Combine(dir, "dict", "data.adv"), header +
            "00012345 02 r 01 quickly 0 000 | with speed  \n");
        Write(Path.Combine(dir, "dict", "index.noun"), header +
            "bread n 2 0 2 0 07809368 13333333  \nstaff_of_life n 1 0 1 0 13333333  \ndog n 1 1 @ 1 0 02086723  \ndomestic_dog n 1 0 1 0 02086723  \n" +
            "entity n 1 1 ~ 1 0 00001740  \ngood n 1 0 1 0 05159725  \nhero n 1 0 1 0 10000001  \ntail n 1 1 #p 1 0 02100000  \n");
        Write(Path.Combine(dir, "dict", "index.verb"), header +
            "abandon v 1 0 1 0 02000002  \neat v 2 1 + 2 0 01168468 01170000  \nlove v 1 1 + 1 0 02000001  \n");
        Write(Path.Combine(dir, "dict", "index.adj"), header +
            "bad a 2 1 ! 2 1 01125429 01125431  \nbig a 1 0 1 0 01125430  \ngood a 1 1 ! 1 1 01123148  \nlarge a 1 0 1 0 01125430  \n");
        Write(Path.Combine(dir, "dict", "index.adv"), header + "quickly r 1 0 1 0 00012345  \n");
        Write(Path.Combine(dir, "LICENSE"), "WordNet Release 3.0 (fixture)\nPermission to use, copy, modify and distribute ...\n");
        return dir;
    }

    /// <summary>SOTU: 10 speeches before 1850 and 10 after 2000, one JSON each, with abbreviations and short sentences.</summary>
    private static string WriteSotu(string dir)
    {
        for (int i = 0; i < 20; i++)
        {
            int year = i < 10 ? 1800 + i : 2001 + i - 10;
            string party = i % 2 == 0 ? "Democratic" : "Republican";
            string text = $"Fellow-Citizens of the Senate and House: Mr. Speaker, the state of the Union in {year} is strong and growing. " +
                          $"Thank you. We have worked with Gen. Smith and the U.S. Senate on the budget for the coming year! " +
                          $"Is the nation ready for what lies ahead of it, speech number {i}?";
            Write(Path.Combine(dir, "data", $"{year}_president_{i:D2}_{party[0]}.json".ToLowerInvariant()),
                $"{{\"year\":{year},\"name\":\"President {i}\",\"party\":\"{party}\",\"text\":\"{text}\"}}");
        }
        return dir;
    }

    /// <summary>UCI: 20 rows per domain (10 per class), a duplicate, a conflicting duplicate and the trailing null row.</summary>
    private static string WriteUci(string dir)
    {
        foreach (string domain in new[] { "amazon", "imdb", "yelp" })
        {
            var rows = new List<string>();
            for (int i = 0; i < 20; i++)
                rows.Add($"{{\"text\":\"{domain} sentence {i} was {(i % 2 == 0 ? "great" : "awful")}.\",\"class\":{(i % 2 == 0 ? 1 : 0)}}}");
            rows.Add($"{{\"text\":\"{domain} sentence 0 was great.\",\"class\":1}}");        // exact duplicate → dropped
            rows.Add($"{{\"text\":\"It was  okay.\",\"class\":1}}");
            rows.Add($"{{\"text\":\"It was okay. \",\"class\":0}}");                          // same text, other label → both dropped
            rows.Add("{\"text\":\"\",\"class\":null}");
            Write(Path.Combine(dir, "test", "fixtures", domain + ".json"), "[" + string.Join(",", rows) + "]");
        }
        return dir;
    }

    /// <summary>VADER: tab-separated lexicon lines including emoticons, a neutral word and inflected forms.</summary>
    private static string WriteVader(string dir)
    {
        Write(Path.Combine(dir, "vader_lexicon.txt"),
            "$:\t-1.5\t0.80623\t[-1, -1, -1, -1, -3, -1, -3, -1, -2, -1]\n" +
            "abandon\t-1.9\t0.53852\t[-2, -2, -2, -2, -2, -1, -2, -2, -2, -2]\n" +
            "abandons\t-1.3\t0.9\t[-1, -1, -1, -2, -2, -1, -1, -1, -1, -2]\n" +
            "bad\t-2.5\t0.67082\t[-2, -3, -2, -3, -3, -2, -2, -3, -3, -2]\n" +
            "good\t1.9\t0.9434\t[2, 1, 1, 3, 1, 4, 2, 3, 1, 1]\n" +
            "hero\t2.6\t0.8\t[3, 2, 3, 3, 2, 3, 2, 3, 2, 3]\n" +
            "entity\t0.1\t0.3\t[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]\n" +
            "loves\t2.7\t0.64\t[3, 3, 2, 3, 3, 2, 3, 3, 2, 3]\n" +
            "zzyzx\t2.0\t0.5\t[2, 2, 2, 2, 2, 2, 2, 2, 2, 2]\n");
        Write(Path.Combine(dir, "LICENSE"), "The MIT License (fixture)\n");
        Write(Path.Combine(dir, "NOTICE"), "vader-sentiment NOTICE (fixture)\n");
        return dir;
    }

    /// <summary>Fortunes: the 10 topic files of the .deb tree, %-separated, one fortune duplicated across topics.</summary>
    private static string WriteFortunes(string root)
    {
        string dir = Path.Combine(root, "usr", "share", "games", "fortunes");
        foreach (TaskLabel topic in FortuneTopicTask.Labels)
        {
            var text = new StringBuilder();
            for (int i = 0; i < 10; i++)
                text.Append($"A {topic.Name} saying,\n\tnumber {i}.\n\t\t-- Somebody\n%\n");
            text.Append("A saying that appears in every topic.\n%\n");
            Write(Path.Combine(dir, topic.Name), text.ToString());
        }
        return root;
    }

    /// <summary>SpamAssassin: raw messages as the stdlib package stores them (JSON with the message in "text").</summary>
    private static string WriteSpam(string dir)
    {
        string Message(string subject, string body, string extraHeaders = "") =>
            "From someone@example.com  Tue Aug  6 11:51:02 2002\nReturn-Path: <someone@example.com>\nReceived: from x\n\tby y with ESMTP\n" +
            $"To: list@example.org\n{extraHeaders}Subject: {subject}\n\n{body}";
        void Put(string group, int n, string raw)
        {
            string json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = $"{n:D5}", ["group"] = group, ["text"] = raw });
            Write(Path.Combine(dir, "data", group, $"{n:D5}.{n:x32}.json"), json);
        }
        for (int i = 1; i <= 10; i++)
        {
            Put("easy-ham-1", i, Message($"[ILUG] Re: kernel build {i}", $"Hi all,\n\nthe build {i} works for me, ask jane.doe@example.com.\n"));
            Put("spam-1", i, Message($"Make money fast {i}", $"<html><body><p>Buy <b>now</b> &amp; save {i}!</p></body></html>",
                "Content-Type: text/html; charset=\"us-ascii\"\n"));
        }
        Put("easy-ham-1", 11, Message("[ILUG] Re: kernel build 1", "Hi all,\n\nthe build 1 works for me, ask jane.doe@example.com.\n")); // duplicate
        Put("spam-1", 11, Message("=?iso-8859-1?Q?Caf=E9_offer?=",
            "This is a multi-part message.\n\n--XYZ\nContent-Type: text/html\n\n<p>html part</p>\n--XYZ\nContent-Type: text/plain; charset=iso-8859-1\n" +
            "Content-Transfer-Encoding: quoted-printable\n\nCheap caf=E9 =\nprices\n--XYZ--\n",
            "MIME-Version: 1.0\nContent-Type: multipart/alternative;\n\tboundary=\"XYZ\"\n"));
        Put("spam-1", 12, Message("Base64 offer", Convert.ToBase64String(Encoding.UTF8.GetBytes("Limited offer, reply today")) + "\n",
            "Content-Transfer-Encoding: base64\n"));
        return dir;
    }
}
