using Mpt.Metrics;
using Mpt.Tasks.Formatters;

namespace Mpt.Tasks;

/// <summary>
/// The built-in tasks: ATTEMPT's task classes (AkariAsai/ATTEMPT <c>attempt/data/tasks.py</c> @ b5121e53) for every
/// task of the MPT paper (docs/method.md §6.2), as data. Prefix words, templates, label lists, split maps and the
/// small/large lists are ATTEMPT's; the golden set <c>golden/tasks</c> pins them.
/// </summary>
public static class BuiltInTasks
{
    private static readonly string[] Binary = ["0", "1"];
    private static readonly string[] ThreeWay = ["0", "1", "2"];

    /// <summary>Every built-in task, freshly built, in the order of the table in docs/method.md §6.2.</summary>
    public static IReadOnlyList<TaskDefinition> All() =>
    [
        Classification("mnli", "glue", "mnli", SplitRule.Own, new DataSplitMap("train", "validation_mismatched", "validation_matched"),
            [new("premise:", "premise"), new("hypothesis:", "hypothesis")], ThreeWay, [MetricKind.Accuracy], ["accuracy"],
            "0 entailment, 1 neutral, 2 contradiction; -1 in test"),
        Classification("qqp", "glue", "qqp", SplitRule.Large, ValidationAsTest,
            [new("question1:", "question1"), new("question2:", "question2")], Binary, [MetricKind.F1Binary, MetricKind.Accuracy],
            ["f1", "accuracy"], "0 not duplicate, 1 duplicate"),
        Classification("qnli", "glue", "qnli", SplitRule.Large, ValidationAsTest,
            [new("question:", "question"), new("sentence:", "sentence")], Binary, [MetricKind.Accuracy], ["accuracy"],
            "0 entailment, 1 not entailment"),
        Classification("sst2", "glue", "sst2", SplitRule.Large, ValidationAsTest,
            [new("sentence:", "sentence")], Binary, [MetricKind.Accuracy], ["accuracy"], "0 negative, 1 positive"),
        Stsb(),
        Classification("mrpc", "glue", "mrpc", SplitRule.Small, ValidationAsTest,
            [new("sentence1:", "sentence1"), new("sentence2:", "sentence2")], Binary, [MetricKind.F1Binary, MetricKind.Accuracy],
            ["f1", "accuracy"], "0 not equivalent, 1 equivalent"),
        Classification("rte", "glue", "rte", SplitRule.Small, ValidationAsTest,
            [new("sentence1:", "sentence1"), new("sentence2:", "sentence2")], Binary, [MetricKind.Accuracy], ["accuracy"],
            "0 entailment, 1 not entailment"),
        Classification("cola", "glue", "cola", SplitRule.Small, ValidationAsTest,
            [new("sentence:", "sentence")], Binary, [MetricKind.MatthewsCorrelation], ["matthews_correlation"],
            "0 unacceptable, 1 acceptable"),
        MultiRc(),
        Classification("superglue-boolq", "super_glue", "boolq", SplitRule.Small, ValidationAsTest,
            [new("question:", "question"), new("passage:", "passage")], Binary, [MetricKind.Accuracy], ["accuracy"], "0 False, 1 True"),
        Classification("superglue-wic", "super_glue", "wic", SplitRule.Small, ValidationAsTest,
            [new("sentence1:", "sentence1"), new("sentence2:", "sentence2"), new("word:", "word")], Binary,
            [MetricKind.Accuracy], ["accuracy"], "0 False, 1 True"),
        Wsc(),
        Classification("superglue-cb", "super_glue", "cb", SplitRule.Small, ValidationAsTest,
            [new("premise:", "premise"), new("hypothesis:", "hypothesis")], ThreeWay, [MetricKind.F1Macro, MetricKind.Accuracy],
            ["f1_multiclass", "accuracy"], "0 entailment, 1 contradiction, 2 neutral"),
        Record(),
        Squad("squad", isMrqa: false),
        Squad("nq", isMrqa: true),
        Squad("hotpotqa", isMrqa: true),
        Squad("searchqa", isMrqa: true),
        Squad("newsqa", isMrqa: true),
        WinoGrande(),
        Classification("yelp_polarity", "yelp_polarity", null, SplitRule.Large, new DataSplitMap("train", null, "test"),
            [new("sentence:", "text")], Binary, [MetricKind.Accuracy], ["accuracy"], "0 negative, 1 positive") with
        {
            // Paper App. A: "for Yelp we use 100k training examples".
            MaxTrainExamples = 100_000,
        },
        SciTail(),
        Classification("paws", "paws", "labeled_final", SplitRule.Own, new DataSplitMap("train", "validation", "test"),
            [new("sentence1:", "sentence1"), new("sentence2:", "sentence2")], Binary, [MetricKind.Accuracy], ["accuracy"],
            "0 not paraphrase, 1 paraphrase"),
    ];

    // GLUE / SuperGLUE have no public test labels: ATTEMPT's classes map test to validation.
    private static DataSplitMap ValidationAsTest => new("train", "validation", "validation");

    private static TaskDefinition Classification(string name, string path, string? config, SplitRule rule, DataSplitMap splits,
        SourceField[] template, string[] labels, MetricKind[] metrics, string[] referenceMetricNames, string labelMeaning) => new()
    {
        Name = name,
        Prefix = name,
        Template = template,
        Labels = labels,
        Formatter = new TemplateFormatter(),
        Metrics = metrics,
        ReferenceMetricNames = referenceMetricNames,
        SplitRule = rule,
        DataSplits = splits,
        HfDataset = new HfDatasetId(path, config),
        Schema = [.. template.Select(f => new FieldSpec(f.Field, FieldType.String)), new FieldSpec("label", FieldType.Integer, Description: labelMeaning)],
    };

    private static TaskDefinition Stsb() => Classification("stsb", "glue", "stsb", SplitRule.Small, ValidationAsTest,
        [new("sentence1:", "sentence1"), new("sentence2:", "sentence2")],
        // ATTEMPT: [str(np.round(label, decimals=1)) for label in np.arange(0, 5.2, 0.2)] → "0.0", "0.2", …, "5.0".
        Enumerable.Range(0, 26).Select(i => StsbFormatter.Target(i * 0.2, roundToGrid: false)).ToArray(),
        [MetricKind.Pearson, MetricKind.Spearman], ["pearson", "spearmanr"], "") with
    {
        Formatter = new StsbFormatter(),
        Schema =
        [
            new FieldSpec("sentence1", FieldType.String), new FieldSpec("sentence2", FieldType.String),
            new FieldSpec("label", FieldType.Number, Description: "similarity in [0, 5] (float32)"),
        ],
    };

    private static TaskDefinition MultiRc() => Classification("superglue-multirc", "super_glue", "multirc", SplitRule.Small,
        ValidationAsTest, [new("question:", "question"), new("answer:", "answer"), new("paragraph:", "paragraph")], Binary,
        [MetricKind.MultiRc], ["f1", "em"], "0 False, 1 True") with
    {
        Formatter = new MultiRcFormatter(),
        Schema =
        [
            new FieldSpec("paragraph", FieldType.String, Description: "with <b>Sent N: </b> and <br> markup"),
            new FieldSpec("question", FieldType.String), new FieldSpec("answer", FieldType.String),
            new FieldSpec("idx", FieldType.Object, Description: "{paragraph, question, answer}; question is the group"),
            new FieldSpec("label", FieldType.Integer, Description: "0 False, 1 True"),
        ],
    };

    private static TaskDefinition Wsc() => Classification("superglue-wsc.fixed", "super_glue", "wsc.fixed", SplitRule.Small,
        ValidationAsTest, [new("text:", "text")], Binary, [MetricKind.Accuracy], ["accuracy"], "0 False, 1 True") with
    {
        Formatter = new WscFormatter(),
        Schema =
        [
            new FieldSpec("text", FieldType.String),
            new FieldSpec("span1_index", FieldType.Integer, Description: "word index of the noun (whitespace words)"),
            new FieldSpec("span2_index", FieldType.Integer, Description: "word index of the pronoun"),
            new FieldSpec("span1_text", FieldType.String), new FieldSpec("span2_text", FieldType.String),
            new FieldSpec("label", FieldType.Integer, Description: "0 False, 1 True"),
        ],
    };

    private static TaskDefinition Record() => new()
    {
        Name = "superglue-record",
        Prefix = "superglue-record",
        Template = [new("record query:", "query"), new("entities:", "entities"), new("passage:", "passage")],
        Labels = null,
        Formatter = new RecordFormatter(),
        Metrics = [MetricKind.Record],
        ReferenceMetricNames = ["squad"],
        SplitRule = SplitRule.Large,
        DataSplits = ValidationAsTest,
        HfDataset = new HfDatasetId("super_glue", "record"),
        Schema =
        [
            new FieldSpec("passage", FieldType.String, Description: "with \\n@highlight\\n separators"),
            new FieldSpec("query", FieldType.String, Description: "with @placeholder"),
            new FieldSpec("entities", FieldType.StringList),
            new FieldSpec("answers", FieldType.StringList, Description: "empty in test"),
        ],
    };

    private static TaskDefinition Squad(string name, bool isMrqa) => new()
    {
        Name = name,
        // ATTEMPT maps nq / hotpotqa / searchqa / newsqa to its Squad class, whose name (prefix, task field) is "squad".
        Prefix = "squad",
        Template = [new("question:", "question"), new("context:", "context")],
        Labels = null,
        Formatter = new SquadFormatter { IsMrqa = isMrqa },
        Metrics = [MetricKind.Squad],
        ReferenceMetricNames = null,
        SplitRule = SplitRule.Large,
        DataSplits = new DataSplitMap("train", "validation", "test"),
        HfDataset = new HfDatasetId("squad", null),
        Schema =
        [
            new FieldSpec("question", FieldType.String), new FieldSpec("context", FieldType.String),
            // ATTEMPT reads one tab-joined string; the MRQA tasks may also hold DePT's list (MrqaDeptFormat).
            isMrqa
                ? new FieldSpec("answers", FieldType.Any, Description: "tab-joined string (ATTEMPT) or list of strings (DePT)")
                : new FieldSpec("answers", FieldType.String, Description: "answers joined by tabs (ATTEMPT's CSV layout)"),
        ],
    };

    private static TaskDefinition WinoGrande() => new()
    {
        Name = "winogrande",
        Prefix = "winogrande",
        Template = [new("sentence:", "sentence"), new("option0:", "option1"), new("option1:", "option1")],
        Labels = Binary,
        Formatter = new WinoGrandeFormatter(),
        Metrics = [MetricKind.Accuracy],
        ReferenceMetricNames = ["accuracy"],
        SplitRule = SplitRule.Large,
        DataSplits = ValidationAsTest,
        HfDataset = new HfDatasetId("winogrande", "winogrande_xl"),
        Schema =
        [
            new FieldSpec("sentence", FieldType.String, Description: "with _ for the blank"),
            new FieldSpec("option1", FieldType.String), new FieldSpec("option2", FieldType.String),
            new FieldSpec("answer", FieldType.String, Description: "'1' or '2' ('' in test)"),
        ],
    };

    private static TaskDefinition SciTail() => Classification("scitail", "scitail", "snli_format", SplitRule.Small,
        new DataSplitMap("train", "validation", "test"), [new("premise:", "sentence1"), new("hypothesis:", "sentence2")],
        Binary, [MetricKind.Accuracy], ["accuracy"], "") with
    {
        Formatter = new TemplateFormatter("gold_label",
            new Dictionary<string, string> { ["entailment"] = "0", ["neutral"] = "1" }),
        Schema =
        [
            new FieldSpec("sentence1", FieldType.String), new FieldSpec("sentence2", FieldType.String),
            new FieldSpec("gold_label", FieldType.String, Description: "'entailment' (0) or 'neutral' (1)"),
        ],
    };
}
