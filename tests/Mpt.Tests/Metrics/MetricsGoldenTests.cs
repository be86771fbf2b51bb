using System.Text.Json;
using Mpt.Metrics;
using Mpt.Tests.Infrastructure;
using Xunit;

namespace Mpt.Tests.Metrics;

/// <summary>
/// Every case of <c>golden/metrics/metrics_golden.json</c>, one xunit case per id: each key of <c>expected</c> (and
/// of <c>expected_attempt_duplicated_rows</c>, <c>per_example</c>, <c>per_query</c>) must be reproduced within
/// The tolerance of docs/testing.md §2.9, |got − want| ≤ 1e-9 (relative for values above 1), NaN only where NaN is written.
/// </summary>
public sealed class MetricsGoldenTests
{
    private static readonly Lazy<JsonDocument> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(GoldenRoot.Combine("metrics", "metrics_golden.json"))));

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Golden.Value.RootElement.GetProperty("cases").EnumerateArray())
            data.Add(c.GetProperty("id").GetString()!);
        return data;
    }

    [Fact]
    public void Should_Read_A_Metrics_Golden_File_With_Cases()
    {
        Assert.Equal("mpt-metrics-golden-v1", Golden.Value.RootElement.GetProperty("format").GetString());
        Assert.NotEmpty(CaseIds());
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Should_Reproduce_Golden_Case(string id)
    {
        JsonElement c = Golden.Value.RootElement.GetProperty("cases").EnumerateArray()
            .Single(e => e.GetProperty("id").GetString() == id);
        JsonElement inputs = c.GetProperty("inputs");
        string family = c.GetProperty("family").GetString()!;
        switch (family)
        {
            case "classification": Classification(c, inputs); break;
            case "correlation": CorrelationCase(c, inputs); break;
            case "squad": Squad(c, inputs); break;
            case "record": Record(c, inputs); break;
            case "multirc": MultiRc(c, inputs); break;
            default: Assert.Fail($"{id}: unknown family '{family}' (a new family needs a test)"); break;
        }
    }

    private static void Classification(JsonElement c, JsonElement inputs)
    {
        var predictions = Strings(inputs.GetProperty("predictions"));
        var targets = Strings(inputs.GetProperty("targets"));
        int classes = c.GetProperty("num_classes").GetInt32();
        var labels = Enumerable.Range(0, classes).Select(i => i.ToString()).ToArray();
        var got = new Dictionary<string, double>();
        void Add(IReadOnlyDictionary<string, double> d) { foreach (var kv in d) got[kv.Key] = kv.Value; }
        Add(new AccuracyMetric(labels).Compute(targets, predictions));
        Add(new MacroF1Metric(labels).Compute(targets, predictions));
        Add(new MatthewsCorrelationMetric(labels).Compute(targets, predictions));
        if (classes == 2) Add(new BinaryF1Metric().Compute(targets, predictions));
        AssertExpected(c, c.GetProperty("expected"), got);
        // invalid_rate is ours (not in the golden file): it is the share of predictions that are not label strings.
        int invalid = predictions.Count(p => !labels.Contains(p));
        AssertClose(100.0 * invalid / predictions.Count, got[MetricNames.InvalidRate], "invalid_rate");
    }

    private static void CorrelationCase(JsonElement c, JsonElement inputs)
    {
        var predictions = Strings(inputs.GetProperty("predictions"));
        var targets = Strings(inputs.GetProperty("targets"));
        // string_to_float must give the floats the reference correlated.
        Assert.Equal(Doubles(inputs.GetProperty("prediction_floats")), predictions.Select(Correlation.StringToFloat));
        Assert.Equal(Doubles(inputs.GetProperty("target_floats")), targets.Select(Correlation.StringToFloat));
        var got = new Dictionary<string, double>
        {
            [MetricNames.Pearson] = new PearsonMetric().Compute(targets, predictions)[MetricNames.Pearson],
            [MetricNames.Spearman] = new SpearmanMetric().Compute(targets, predictions)[MetricNames.Spearman],
        };
        AssertExpected(c, c.GetProperty("expected"), got);
    }

    private static void Squad(JsonElement c, JsonElement inputs)
    {
        var predictions = Strings(inputs.GetProperty("predictions"));
        var golds = inputs.GetProperty("gold_answers").EnumerateArray().Select(g => (IReadOnlyList<string>)Strings(g)).ToList();
        AssertExpected(c, c.GetProperty("expected"), new SquadMetric().Compute(golds, predictions));
        int i = 0;
        foreach (JsonElement e in c.GetProperty("per_example").EnumerateArray())
        {
            Assert.Equal(e.GetProperty("prediction_normalized").GetString(), SquadText.Normalize(predictions[i]));
            Assert.Equal(Strings(e.GetProperty("golds_normalized")), golds[i].Select(SquadText.Normalize));
            (double em, double f1) = SquadMetric.Score(golds[i], predictions[i]);
            AssertClose(e.GetProperty("exact_match").GetDouble(), em, $"per_example[{i}].exact_match");
            AssertClose(e.GetProperty("f1").GetDouble(), f1, $"per_example[{i}].f1");
            i++;
        }
        Assert.Equal(predictions.Count, i);
    }

    private static void Record(JsonElement c, JsonElement inputs)
    {
        var queries = inputs.GetProperty("queries").EnumerateArray().ToList();
        // ATTEMPT's formatter emits one row per gold answer (one row when there is none); the metric sees those rows.
        var rows = new List<RecordPrediction>();
        foreach (JsonElement q in queries)
        {
            var p = new RecordPrediction($"{q.GetProperty("passage")}-{q.GetProperty("query")}",
                Strings(q.GetProperty("answers")), q.GetProperty("prediction").GetString()!);
            rows.AddRange(Enumerable.Repeat(p, Math.Max(1, p.Answers.Count)));
        }
        var metric = new RecordMetric();
        AssertExpected(c, c.GetProperty("expected"), metric.Compute(rows));
        AssertExpected(c, c.GetProperty("expected_attempt_duplicated_rows"), metric.ComputeAttemptRows(rows));
        int i = 0;
        foreach (JsonElement e in c.GetProperty("per_query").EnumerateArray())
        {
            (double em, double f1) = SquadMetric.Score(Strings(queries[i].GetProperty("answers")),
                queries[i].GetProperty("prediction").GetString()!);
            AssertClose(e.GetProperty("exact_match").GetDouble(), em, $"per_query[{i}].exact_match");
            AssertClose(e.GetProperty("f1").GetDouble(), f1, $"per_query[{i}].f1");
            i++;
        }
    }

    private static void MultiRc(JsonElement c, JsonElement inputs)
    {
        var rows = inputs.GetProperty("rows").EnumerateArray().ToList();
        var targets = rows.Select(r => r.GetProperty("label").GetInt32().ToString()).ToList();
        var predictions = rows.Select(r => r.GetProperty("prediction").GetString()!).ToList();
        var groups = rows.Select(r => r.GetProperty("question").GetRawText()).ToList();
        IReadOnlyDictionary<string, double> got = new MultiRcMetric().Compute(targets, predictions, groups);
        AssertExpected(c, c.GetProperty("expected"), got);
        if (!c.GetProperty("expected").TryGetProperty(MetricNames.MultiRcF1mMacroPerQuestion, out _))
            Assert.False(got.ContainsKey(MetricNames.MultiRcF1mMacroPerQuestion),
                "f1m is only defined when every prediction is valid");
    }

    private static void AssertExpected(JsonElement c, JsonElement expected, IReadOnlyDictionary<string, double> got)
    {
        string id = c.GetProperty("id").GetString()!;
        foreach (JsonProperty p in expected.EnumerateObject())
        {
            Assert.True(got.TryGetValue(p.Name, out double value), $"{id}: no value for expected key '{p.Name}'");
            double want = p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == "NaN"
                ? double.NaN : p.Value.GetDouble();
            AssertClose(want, value, $"{id}.{p.Name}");
        }
    }

    private static void AssertClose(double want, double got, string what)
    {
        if (double.IsNaN(want))
        {
            Assert.True(double.IsNaN(got), $"{what}: want NaN, got {got:R}");
            return;
        }
        double tolerance = 1e-9 * Math.Max(1.0, Math.Abs(want));
        Assert.True(Math.Abs(got - want) <= tolerance, $"{what}: want {want:R}, got {got:R}");
    }

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    private static List<double> Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToList();
}
