using System.Text.Json.Nodes;
using Mpt.Reports;
using Xunit;

namespace Mpt.Tests.Reports;

public sealed class RunFolderRecordTests
{
    [Fact]
    public void Should_Write_A_Metrics_Record_As_One_Snake_Case_Line_Without_Absent_Fields()
    {
        var record = new StepMetrics("adapt", "rte", "mpt-no-kd", 3, 200, 0.5, LossTask: 0.25, LossKl: 0.125, LossHidden: 0.0625,
            Lr: 0.3, DevScore: 71.5, TokensPerS: 1830, ElapsedS: 95.5);

        Assert.Equal("""{"stage":"adapt","task":"rte","method":"mpt-no-kd","seed":3,"step":200,"loss":0.5,"loss_task":0.25,"loss_kl":0.125,"loss_hidden":0.0625,"lr":0.3,"dev_score":71.5,"tokens_per_s":1830,"elapsed_s":95.5}""",
            MetricsLog.Serialize(record));
        Assert.Equal("""{"stage":"teacher","task":"mnli","method":"mpt","seed":1,"step":1,"loss":2}""",
            MetricsLog.Serialize(new StepMetrics("teacher", "mnli", "mpt", 1, 1, 2)));
    }

    [Fact]
    public void Should_Append_And_Read_Back_Metrics_In_Order()
    {
        using var run = new SyntheticRunFolder();
        string path = run.File(MetricsLog.FileName);
        var first = new StepMetrics("teacher", "mnli", "mpt", 1, 1, double.NaN, DevScore: 50);
        var second = new StepMetrics("teacher", "mnli", "mpt", 1, 2, 1.5);

        MetricsLog.Append(path, first);
        MetricsLog.Append(path, [second, second with { Step = 3 }]);
        File.AppendAllText(path, "\n   \n"); // blank lines are skipped

        var read = MetricsLog.Read(path);
        Assert.Equal(3, read.Count);
        Assert.True(double.IsNaN(read[0].Loss!.Value)); // a diverged loss survives the round trip
        Assert.Equal(second, read[1]);
        Assert.Equal(3, read[2].Step);
        Assert.Throws<ArgumentException>(() => MetricsLog.Append(path, second with { Method = " " }));
    }

    [Fact]
    public void Should_Round_Trip_Results_With_Documented_Names()
    {
        using var run = new SyntheticRunFolder();
        string path = run.File(RunResults.FileName);
        var results = SyntheticRunFolder.Results(SyntheticRunFolder.Prompts);

        results.Write(path);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        var back = RunResults.Read(path);

        // names the pipeline and Python readers rely on
        Assert.Equal(1, (int)json["format_version"]!);
        var mpt = json["targets"]!["rte"]!["mpt"]!;
        Assert.Equal("accuracy", (string)mpt["metric"]!);
        Assert.Equal(80.0, (double)mpt["mean"]!, 12);
        Assert.Equal(1.0, (double)mpt["std"]!, 12);
        Assert.Equal(3, (int)mpt["n_seeds"]!);
        Assert.Equal(868, (long)mpt["trainable_params"]!);
        Assert.Equal(81.0, (double)mpt["seeds"]![2]!["score"]!);
        Assert.Equal(5321.4, (double)json["stages"]!["teacher"]!["wall_clock_s"]!);
        Assert.Equal(222_903_552, (long)json["model"]!["total_params"]!);
        Assert.Equal("prompts/multitask.safetensors", (string)json["prompts"]!["multitask"]!["path"]!);
        Assert.Equal(100, (int)json["config"]!["prompt_length"]!);

        // values and order survive
        Assert.Equal(["rte", "cola", "boolq"], back.Targets!.Keys);
        Assert.Equal(["mpt-no-kd", "mpt", "pt", "spot"], back.Targets["rte"].Keys);
        Assert.Equal(results.Targets!["cola"]["spot"].Seeds, back.Targets["cola"]["spot"].Seeds);
        Assert.Equal(results.Model, back.Model);
        Assert.Equal(results.Prompts!.Multitask!.Tasks, back.Prompts!.Multitask!.Tasks);
        Assert.Equal(results.Stages!["adapt"], back.Stages!["adapt"]);
    }

    [Fact]
    public void Should_Compute_Mean_And_Sample_Std_From_Seeds()
    {
        var result = MethodResult.FromSeeds("f1", [new(1, 70), new(2, 72), new(3, 74)], 10);
        Assert.Equal(72, result.Mean, 12);
        Assert.Equal(2, result.Std, 12); // √(((−2)² + 0 + 2²) / (3 − 1))
        Assert.Equal(0, MethodResult.FromSeeds("f1", [new(1, 70)], 10).Std);
        Assert.Throws<ArgumentException>(() => MethodResult.FromSeeds("f1", [], 10));
        Assert.Throws<ArgumentException>(() => MethodResult.FromSeeds("f1", [new(1, double.NaN)], 10));
    }

    [Fact]
    public void Should_Name_The_File_And_Field_Of_Bad_Results()
    {
        using var run = new SyntheticRunFolder();
        string path = run.File(RunResults.FileName);

        File.WriteAllText(path, """{"targets": {"rte": {"mpt": {"metric": "accuracy", "mean": 80, "std": -1, "seeds": [], "trainable_params": 5}}}}""");
        var badStd = Assert.Throws<InvalidDataException>(() => RunResults.Read(path));
        Assert.Equal($"{path}: targets.rte.mpt: 'std' must be finite and ≥ 0, got -1.", badStd.Message);

        File.WriteAllText(path, """{"targets": {"rte": {"mpt": {"metric": "accuracy", "std": 1, "seeds": [], "trainable_params": 5}}}}""");
        var noMean = Assert.Throws<InvalidDataException>(() => RunResults.Read(path));
        Assert.StartsWith($"{path}: not a valid results file", noMean.Message);
        Assert.Contains("mean", noMean.Message);

        File.WriteAllText(path, """{"format_version": 2}""");
        Assert.Equal($"{path}: format_version 2, this library reads 1.", Assert.Throws<InvalidDataException>(() => RunResults.Read(path)).Message);

        File.WriteAllText(path, "{\"targets\": ");
        Assert.StartsWith($"{path}: not a valid results file", Assert.Throws<InvalidDataException>(() => RunResults.Read(path)).Message);
    }
}
