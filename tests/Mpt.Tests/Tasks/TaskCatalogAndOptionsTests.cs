using Mpt.Data;
using Mpt.Metrics;
using Mpt.Tasks;
using Xunit;

namespace Mpt.Tests.Tasks;

/// <summary>Catalogue rules, each quirk switch, splits with n_obs and caps, few-shot sampling, user task files.</summary>
public sealed class TaskCatalogAndOptionsTests
{
    private static readonly TaskCatalog Catalog = TaskCatalog.CreateDefault();

    private static Dictionary<string, object?> Ex(params (string Key, object? Value)[] fields) =>
        fields.ToDictionary(f => f.Key, f => f.Value);

    [Fact]
    public void Should_Hold_Every_Paper_Task_Once()
    {
        string[] expected = ["mnli", "qqp", "qnli", "sst2", "stsb", "mrpc", "rte", "cola", "superglue-multirc", "superglue-boolq",
            "superglue-wic", "superglue-wsc.fixed", "superglue-cb", "superglue-record", "squad", "nq", "hotpotqa", "searchqa",
            "newsqa", "winogrande", "yelp_polarity", "scitail", "paws"];
        Assert.Equal(expected.Order(), Catalog.Names.Order());
    }

    [Fact]
    public void Should_Throw_On_Duplicate_And_Suggest_The_Closest_Unknown_Name()
    {
        var catalog = TaskCatalog.CreateDefault();
        Assert.Contains("already registered", Assert.Throws<ArgumentException>(() => catalog.Register(catalog.Get("rte"))).Message);
        var e = Assert.Throws<KeyNotFoundException>(() => catalog.Get("superglue-boolg"));
        Assert.Contains("Did you mean 'superglue-boolq'?", e.Message);
        Assert.Equal(3, TaskCatalog.EditDistance("kitten", "sitting"));
    }

    [Fact]
    public void Should_Show_Option2_When_Winogrande_Is_Fixed()
    {
        var ex = Ex(("sentence", "_ won."), ("option1", "A"), ("option2", "B"), ("answer", "2"));
        TaskDefinition t = Catalog.Get("winogrande");
        Assert.Equal("winogrande sentence: _ won. option0: A option1: A", t.Format(ex)[0].Source);
        Assert.Equal("winogrande sentence: _ won. option0: A option1: B",
            t.Format(ex, FormatOptions.Default with { FixWinograndeOptions = true })[0].Source);
    }

    [Theory]
    [InlineData(3.700000047683716, "3.7", "3.8")]
    [InlineData(2.25, "2.2", "2.2")]
    [InlineData(0.35, "0.4", "0.4")] // 0.35 * 10 rounds to 3.5 in double, then half to even
    [InlineData(4.9, "4.9", "4.8")] // grid: round(24.5) = 24 (half to even)
    public void Should_Round_Stsb_Like_Attempt_Or_To_The_Grid(double label, string attempt, string grid)
    {
        Assert.Equal(attempt, Formatters_Stsb(label, false));
        Assert.Equal(grid, Formatters_Stsb(label, true));
    }

    private static string Formatters_Stsb(double label, bool fix) =>
        Catalog.Get("stsb").Format(Ex(("sentence1", "a"), ("sentence2", "b"), ("label", label)),
            FormatOptions.Default with { FixStsbRounding = fix })[0].Target;

    [Fact]
    public void Should_Mark_Wsc_Spans_With_Metacharacters_Only_When_Escaped()
    {
        var ex = Ex(("text", "Dr. (Jane) Doe met Ann , and she smiled ."), ("span1_index", 0L), ("span2_index", 7L),
            ("span1_text", "Dr. (Jane) Doe"), ("span2_text", "she"), ("label", 0L));
        TaskDefinition wsc = Catalog.Get("superglue-wsc.fixed");
        Assert.Equal("superglue-wsc.fixed text: Dr. (Jane) Doe met Ann , and she smiled .", wsc.Format(ex)[0].Source);
        // Escaped, span 1 is found; span 2's index is still shifted by 2 for the two inserted markers.
        Assert.Equal("superglue-wsc.fixed text: * Dr. (Jane) Doe * met Ann , and # she # smiled .",
            wsc.Format(ex, FormatOptions.Default with { EscapeWscSpans = true })[0].Source);
    }

    [Theory]
    [InlineData("(unclosed")]
    [InlineData(@"back\d")]
    [InlineData(@"group\1")]
    public void Should_Raise_Where_Attempts_Wsc_Regex_Raises(string span)
    {
        var ex = Ex(("text", "a b c"), ("span1_index", 0L), ("span2_index", 2L), ("span1_text", span), ("span2_text", "c"), ("label", 0L));
        var e = Assert.Throws<TaskFormatException>(() => Catalog.Get("superglue-wsc.fixed").Format(ex));
        Assert.Contains("span text", e.Message);
    }

    [Fact]
    public void Should_Emit_One_Record_Row_Per_Query_When_Asked()
    {
        var ex = Ex(("passage", "P"), ("query", "Q @placeholder"), ("entities", new List<object?> { "A", "B" }),
            ("answers", new List<object?> { "A", "B" }));
        TaskDefinition record = Catalog.Get("superglue-record");
        Assert.Equal(2, record.Format(ex).Count);
        TextToTextRow row = Assert.Single(record.Format(ex, FormatOptions.Default with { RecordOneRowPerQuery = true }));
        Assert.Equal("A", row.Target);
    }

    [Fact]
    public void Should_Name_The_Missing_Field()
    {
        var e = Assert.Throws<TaskFormatException>(() => Catalog.Get("rte").Format(Ex(("sentence1", "a"), ("label", 0L))));
        Assert.Contains("field 'sentence2' is missing", e.Message);
        var s = Assert.Throws<TaskFormatException>(() => Catalog.Get("scitail")
            .Format(Ex(("sentence1", "a"), ("sentence2", "b"), ("gold_label", "contradiction"))));
        Assert.Contains("'gold_label'", s.Message);
    }

    [Fact]
    public void Should_Split_Small_And_Large_Tasks_With_Attempt_Sizes()
    {
        // RTE's validation has 277 rows → 138 / 139 (docs/method.md §6.1); QNLI's train 104,743 → 103,743 / 1,000.
        Func<string, int> rte = s => s == "validation" ? 277 : 2490;
        Assert.Equal(138, DatasetSplitter.Plan(Catalog.Get("rte"), DataSplit.Validation, rte).Indices.Count);
        Assert.Equal(139, DatasetSplitter.Plan(Catalog.Get("rte"), DataSplit.Test, rte).Indices.Count);
        Assert.Equal(Enumerable.Range(0, 2490), DatasetSplitter.Plan(Catalog.Get("rte"), DataSplit.Train, rte).Indices);
        var val = DatasetSplitter.Plan(Catalog.Get("rte"), DataSplit.Validation, rte).Indices;
        var test = DatasetSplitter.Plan(Catalog.Get("rte"), DataSplit.Test, rte).Indices;
        Assert.Empty(val.Intersect(test));
        Assert.Equal(103_743, DatasetSplitter.Plan(Catalog.Get("qnli"), DataSplit.Train, _ => 104_743).Indices.Count);
        // n_obs keeps the first n of the permuted list; yelp train is capped at 100k unless told otherwise.
        var first10 = DatasetSplitter.Plan(Catalog.Get("rte"), DataSplit.Validation, rte, maxExamples: 10).Indices;
        Assert.Equal(val.Take(10), first10);
        Assert.Equal(100_000, DatasetSplitter.Plan(Catalog.Get("yelp_polarity"), DataSplit.Train, _ => 560_000).Indices.Count);
        Assert.Equal(559_000, DatasetSplitter.Plan(Catalog.Get("yelp_polarity"), DataSplit.Train, _ => 560_000, null,
            SplitOptions.Default with { ApplyTrainCaps = false }).Indices.Count);
        // SciTail fixed: its own test split, unchanged.
        SplitPlan sci = DatasetSplitter.Plan(Catalog.Get("scitail"), DataSplit.Test, _ => 5, null,
            SplitOptions.Default with { ScitailUsePublicTest = true });
        Assert.Equal("test", sci.SourceSplit);
        Assert.Equal([0, 1, 2, 3, 4], sci.Indices);
        // MNLI: validation = mismatched, test = matched.
        Assert.Equal("validation_matched", DatasetSplitter.Plan(Catalog.Get("mnli"), DataSplit.Test, _ => 3).SourceSplit);
    }

    [Fact]
    public void Should_Sample_Few_Shot_Per_Class_Or_In_Total_Reproducibly()
    {
        string[] labels = ["0", "1", "0", "1", "0", "0", "1", "2", "0", "1"];
        var perClass = FewShotSampler.Sample(labels, 2, perClass: true, seed: 7);
        Assert.Equal(5, perClass.Count); // 2 + 2 + the only "2"
        Assert.Equal(2, perClass.Count(i => labels[i] == "0"));
        Assert.Equal(perClass, FewShotSampler.Sample(labels, 2, perClass: true, seed: 7));
        var total = FewShotSampler.Sample(labels, 4, perClass: false, seed: 7);
        Assert.Equal(TorchRandPerm.Permutation(10, 7).Take(4), total);
        Assert.NotEqual(total, FewShotSampler.Sample(labels, 4, perClass: false, seed: 8));
    }

    [Fact]
    public void Should_Score_Formatted_Rows_With_The_Task_Metrics()
    {
        TaskDefinition mrpc = Catalog.Get("mrpc");
        var rows = new[] { "1", "0", "1", "1" }.Select(t => new TextToTextRow("s", t, "mrpc", new Dictionary<string, object?>())).ToList();
        var scores = MetricSuite.Score(mrpc, rows, ["1", "0", "0", "yes"]);
        Assert.Equal(50.0, scores[MetricNames.Accuracy], 12);
        Assert.Equal(50.0, scores[MetricNames.F1Binary], 12); // tp 1, fn 2 (one invalid) → 2/4
        Assert.Equal(25.0, scores[MetricNames.InvalidRate], 12);
    }
}
