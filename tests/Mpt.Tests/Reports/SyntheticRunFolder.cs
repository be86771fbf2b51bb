using Mpt.Checkpoints;
using Mpt.Prompts;
using Mpt.Reports;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Tests.Reports;

/// <summary>
/// A run folder written the way the pipeline writes one: a few hundred metrics lines over the three stages, a
/// results.json with three target tasks and four methods, two teacher prompts and a three-task multitask prompt (PEFT
/// tensor names, SafetensorsFile.Write). Values are small and hand-computable; the expected numbers live in the tests.
/// </summary>
internal sealed class SyntheticRunFolder : IDisposable
{
    public SyntheticRunFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mpt-report-" + Guid.NewGuid().ToString("N"));

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>Teacher prompts [2, 3]: mnli = [[1,0,0],[0,1,0]], qqp = [[1,1,0],[0,1,1]]; cos = 2 / (√2 · 2) = 1/√2.</summary>
    public static readonly float[] MnliPrompt = [1, 0, 0, 0, 1, 0];
    public static readonly float[] QqpPrompt = [1, 1, 0, 0, 1, 1];

    /// <summary>
    /// Multitask prompt, rank 1, l = 2, d = 3: u_0 = (1,0), v_0 = (1,0,0); u_1 = (1,1), v_1 = (1,0,0); u_2 = (0,1),
    /// v_2 = (1,0,1). cos(W_a, W_b) = cos(u_a, u_b)·cos(v_a, v_b): W0·W1 = 1/√2, W0·W2 = 0, W1·W2 = 1/√2 · 1/√2 = 1/2.
    /// </summary>
    public static readonly float[] TaskCols = [1, 0, 1, 1, 0, 1];
    public static readonly float[] TaskRows = [1, 0, 0, 1, 0, 0, 1, 0, 1];
    public static readonly string[] MultitaskTasks = ["mnli", "qqp", "sst2"];

    /// <summary>Loss of the synthetic exponential decay at a step.</summary>
    public static double Loss(long step, int taskIndex) => 4.0 * Math.Exp(-step / (20.0 + 10 * taskIndex)) + 0.05;

    public SyntheticRunFolder WithMetrics(bool devScores = true)
    {
        var records = new List<StepMetrics>();
        string[] teachers = ["mnli", "qqp"];
        for (int t = 0; t < teachers.Length; t++)
            for (long step = 1; step <= 100; step++)
                records.Add(new StepMetrics("teacher", teachers[t], "mpt", 1, step, Loss(step, t), LossTask: Loss(step, t), Lr: 0.3,
                    DevScore: devScores && step % 20 == 0 ? 50 + step / 4.0 + 5 * t : null, TokensPerS: 1500, ElapsedS: step * 0.5));
        for (long step = 1; step <= 100; step++)
            records.Add(new StepMetrics("distill", "all", "mpt", 1, step, Loss(step, 2) + 0.5, LossTask: Loss(step, 2), LossKl: 0.3, LossHidden: 0.2,
                Lr: 0.3, TokensPerS: 1200 + 2 * step, ElapsedS: step));
        string[] methods = ["pt", "mpt"];
        for (int m = 0; m < methods.Length; m++)
            foreach (int seed in new[] { 1, 2 })
                for (long step = 1; step <= 25; step++)
                    records.Add(new StepMetrics("adapt", "rte", methods[m], seed, step, Loss(step, m) + 0.01 * seed,
                        DevScore: devScores && step % 5 == 0 ? 60 + step * (m + 1) / 2.0 + seed : null, TokensPerS: 900, ElapsedS: step));
        MetricsLog.Write(File(MetricsLog.FileName), records);
        return this;
    }

    public SyntheticRunFolder WithPromptFiles()
    {
        Directory.CreateDirectory(File("prompts"));
        using var scope = torch.NewDisposeScope();
        SafetensorsFile.Write(File("prompts/teacher-mnli.safetensors"),
            new Dictionary<string, Tensor> { [PeftPromptTensorNames.PromptEmbeddings] = torch.tensor(MnliPrompt).reshape(2, 3) });
        SafetensorsFile.Write(File("prompts/teacher-qqp.safetensors"),
            new Dictionary<string, Tensor> { [PeftPromptTensorNames.PromptEmbeddings] = torch.tensor(QqpPrompt).reshape(2, 3) });
        SafetensorsFile.Write(File("prompts/multitask.safetensors"), new Dictionary<string, Tensor>
        {
            [PeftPromptTensorNames.PromptEmbeddings] = torch.tensor(new float[] { 0.5f, -1, 2, 3, 0.25f, -4 }).reshape(2, 3),
            [PeftPromptTensorNames.PrefixTaskCols] = torch.tensor(TaskCols).reshape(3, 2, 1),
            [PeftPromptTensorNames.PrefixTaskRows] = torch.tensor(TaskRows).reshape(3, 1, 3),
        });
        return this;
    }

    public static PromptFiles Prompts => new(
        new Dictionary<string, string> { ["mnli"] = "prompts/teacher-mnli.safetensors", ["qqp"] = "prompts/teacher-qqp.safetensors" },
        new MultitaskPromptFile("prompts/multitask.safetensors", MultitaskTasks));

    /// <summary>
    /// rte: PT 70/72/74, SPoT 75.5/76.5, MPT 79/80/81, mpt-no-kd 77/78; cola: PT 10, SPoT 29/31, MPT 27/29,
    /// mpt-no-kd 25; boolq: PT 65.04, SPoT 64, MPT 65.01 (a tie at one decimal), no mpt-no-kd.
    /// </summary>
    public static RunResults Results(PromptFiles? prompts = null)
    {
        static MethodResult R(string metric, long parameters, params double[] scores) =>
            MethodResult.FromSeeds(metric, scores.Select((s, i) => new SeedScore(i + 1, s)).ToList(), parameters);
        var targets = new Dictionary<string, IReadOnlyDictionary<string, MethodResult>>
        {
            ["rte"] = new Dictionary<string, MethodResult>
            {
                // file order differs from report order on purpose: the report orders PT, SPoT, MPT, then ablations
                ["mpt-no-kd"] = R("accuracy", 868, 77, 78),
                ["mpt"] = R("accuracy", 868, 79, 80, 81),
                ["pt"] = R("accuracy", 76_800, 70, 72, 74),
                ["spot"] = R("accuracy", 76_800, 75.5, 76.5),
            },
            ["cola"] = new Dictionary<string, MethodResult>
            {
                ["pt"] = R("matthews_corrcoef", 76_800, 10),
                ["spot"] = R("matthews_corrcoef", 76_800, 29, 31),
                ["mpt"] = R("matthews_corrcoef", 868, 27, 29),
                ["mpt-no-kd"] = R("matthews_corrcoef", 1_736, 25),
            },
            ["boolq"] = new Dictionary<string, MethodResult>
            {
                ["pt"] = R("accuracy", 76_800, 65.04),
                ["spot"] = R("accuracy", 76_800, 64),
                ["mpt"] = R("accuracy", 868, 65.01),
            },
        };
        var stages = new Dictionary<string, StageSummary>
        {
            ["adapt"] = new(1234.56, 600), ["teacher"] = new(5321.4, 60_000), ["distill"] = new(3600, 20_000),
        };
        var config = System.Text.Json.Nodes.JsonNode.Parse("""{"model": "t5-base", "prompt_length": 100, "seeds": [1, 2, 3]}""")!.AsObject();
        return new RunResults(Targets: targets, Stages: stages,
            Model: new ModelSummary("t5-base", "T5 d_model=768 layers=12+12", "sha256:abc123", 222_903_552),
            Prompts: prompts, Config: config);
    }

    public SyntheticRunFolder WithResults(RunResults results)
    {
        results.Write(File(RunResults.FileName));
        return this;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
