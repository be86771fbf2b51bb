using Mpt.Checkpoints;
using Mpt.Pipeline;
using Mpt.Runs;
using Mpt.Tests.Cli;
using Mpt.Tests.Encoder;
using Mpt.Tests.Pipeline;
using Xunit;
using Xunit.Abstractions;

namespace Mpt.Tests.Distributed;

/// <summary>
/// Data-parallel training under Open MPI (docs/distributed.md): the real <c>mpt</c> under
/// <c>mpirun -np 2</c> on loopback trains the same prompts as one process (within <see cref="Tolerance"/>), on a tiny T5
/// (the whole pipeline: teachers, distillation, adaptation) and on a tiny BERT encoder (teachers, distillation), with a global batch that does not split evenly (5 = 3 + 2 rows, and uneven token counts);
/// a checkpoint written by 2 ranks resumes in 1 process and one written by 1 process resumes on 2 ranks; a killed rank
/// ends the job with a non-zero exit and mpirun's line naming the rank.
/// </summary>
[Trait("Category", "Mpi")]
public sealed class DataParallelTrainingTests(ITestOutputHelper log)
{
    /// <summary>
    /// |2 ranks − 1 process| ≤ Absolute + Relative · |1 process| for every prompt value. The sums run in another order
    /// (each slice's mean, then across ranks), and AdamW divides by √v, which turns a float32 rounding of a tiny gradient
    /// into a visible one of the update: up to ~4e-6 after a handful of steps here, 10× below the bound; averaging the ranks'
    /// mean losses instead of weighting them by their token counts misses it by ~5e-2 (docs/distributed.md).
    /// </summary>
    public const double Absolute = 5e-5, Relative = 5e-4;

    private static string Tolerance => $"{Absolute} + {Relative}·|x|";

    [MpiFact]
    public void Two_Ranks_Run_The_T5_Pipeline_Like_One_Process()
    {
        using var ws = new PipelineWorkspace();
        string config = ws.PathOf("dp.json");
        File.WriteAllText(config, ws.ConfigJson().Replace("\"batch_size\": 4", "\"batch_size\": 5"));
        string single = ws.PathOf("single"), parallel = ws.PathOf("parallel");
        string[] Args(string dir) => ["run", "--config", config, "--run-dir", dir, "--quiet"];

        var one = CliRunner.Run(Args(single));
        Assert.True(one.ExitCode == 0, one.Error + one.Output);
        var (code, output) = Mpirun.Run(2, [.. Args(parallel), "--threads", "1"]);
        Assert.True(code == 0, output);
        AssertRanRanks(output, 2);
        // Teachers, distillation and adaptation (rank 1 reads the teachers and the source prompt rank 0 wrote), and
        // rank 0 wrote the whole run folder: the same files as one process.
        AssertSamePrompts(single, parallel, expectedRuns: 4);
        static List<string> Files(string root) => Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Files(single), Files(parallel));
        // Rank 1 ran every step too but appended nothing: metrics.jsonl has the single process's number of records.
        string metrics = PipelineRunner.MetricsFile;
        Assert.Equal(File.ReadAllLines(Path.Combine(single, metrics)).Length, File.ReadAllLines(Path.Combine(parallel, metrics)).Length);
    }

    [MpiFact]
    public void Two_Ranks_Train_The_Encoder_Pipeline_Like_One_Process_And_Resume_A_One_Process_Checkpoint()
    {
        using var bert = new TinyBertFolder().WriteConfigAndTokenizer();
        using (var model = TinyBertFolder.RandomModel(seed: 5)) bert.WriteSafetensors(TinyBertFolder.StateDict(model));
        using var data = new UserTaskFolder();
        string[] Args(string verb, string dir)
        {
            var args = EncoderUserFlow.RunArgs(data, bert.Path, promptLength: 2, maxSourceLength: 16, maxSteps: 4,
                loop: """, "backbone_dropout": false, "checkpoint_every_steps": 1""").ToList();
            args[0] = verb;
            int target = args.IndexOf("--target"); // the source stages take no target
            args.RemoveRange(target, 2);
            File.WriteAllText(args[2], File.ReadAllText(args[2]).Replace("\"batch_size\": 4", "\"batch_size\": 5"));
            return [.. args, "--run-dir", dir, "--quiet"];
        }
        string single = Path.Combine(data.Root, "single"), parallel = Path.Combine(data.Root, "parallel"), resumed = Path.Combine(data.Root, "resumed");
        foreach (string verb in new[] { "teachers", "distill" })
        {
            var one = CliRunner.Run(Args(verb, single));
            Assert.True(one.ExitCode == 0, one.Error + one.Output);
            var (code, output) = Mpirun.Run(2, [.. Args(verb, parallel), "--threads", "1"]);
            Assert.True(code == 0, output);
            AssertRanRanks(output, 2);
        }
        AssertSamePrompts(single, parallel, expectedRuns: 3);

        // 1 process stops after 3 steps of the first teacher (as if killed), 2 ranks resume from its checkpoint.
        var stopped = CliRunner.Run([.. Args("teachers", resumed), "--stop-after-steps", "3"]);
        Assert.True(stopped.ExitCode == Mpt.Cli.MptCli.Interrupted || stopped.ExitCode == 0, stopped.Error + stopped.Output);
        var (resumeCode, resumeOutput) = Mpirun.Run(2, [.. Args("teachers", resumed), "--resume", "--threads", "1"]);
        Assert.True(resumeCode == 0, resumeOutput);
        AssertSamePrompts(Path.Combine(single, PipelineRunner.TeachersDir), Path.Combine(resumed, PipelineRunner.TeachersDir), expectedRuns: 2);
    }

    [MpiFact]
    public void A_Killed_Rank_Fails_The_Job_And_One_Process_Resumes_From_The_Two_Rank_Checkpoint()
    {
        using var ws = new PipelineWorkspace();
        string config = ws.PathOf("long.json");
        File.WriteAllText(config, ws.ConfigJson().Replace("\"max_steps\": 4", "\"max_steps\": 40"));
        string single = ws.PathOf("single"), killed = ws.PathOf("killed");
        string[] Args(string dir) => ["teachers", "--config", config, "--run-dir", dir, "--quiet"];
        var one = CliRunner.Run(Args(single));
        Assert.True(one.ExitCode == 0, one.Error + one.Output);

        using (var job = Mpirun.Start(2, [.. Args(killed), "--threads", "1"]))
        {
            // Kill rank 1 once rank 0 has written a checkpoint of the first teacher (the run has 2 × 40 steps).
            string firstTeacher = Path.Combine(killed, PipelineRunner.TeachersDir, "mrpc");
            var waited = System.Diagnostics.Stopwatch.StartNew();
            int? rank0 = null, rank1 = null;
            while (waited.Elapsed < TimeSpan.FromMinutes(2) && !job.HasExited)
            {
                rank0 ??= job.RankPid(0);
                rank1 ??= job.RankPid(1);
                if (rank1 is not null && new RunFolder(firstTeacher).HasCheckpoint) break;
                Thread.Sleep(20);
            }
            Assert.False(job.HasExited, "the job ended before rank 1 could be killed:\n" + job.Output);
            Assert.NotNull(rank1);
            System.Diagnostics.Process.GetProcessById(rank1.Value).Kill();
            int code = job.Finish(TimeSpan.FromMinutes(1));
            log.WriteLine(job.Output);
            Assert.NotEqual(0, code);
            // Open MPI names the rank that died in one line, e.g. "mpirun noticed that process rank 1 with PID 123 on
            // node x exited on signal 9 (Killed)."
            Assert.Contains(job.Output.Split('\n'), line => line.Contains("rank 1") && line.Contains("signal 9"));
            Assert.False(File.Exists(Path.Combine(killed, PipelineRunner.TeachersDir, "cola", RunFolder.PromptFile)), "the job should have died before the second teacher finished");
            // mpirun may return while rank 0, blocked in the allreduce with the dead rank, is still being killed (it holds
            // the run lock until then): wait for it, as a user would for the job's processes to be gone.
            var gone = System.Diagnostics.Stopwatch.StartNew();
            while (rank0 is { } pid && Directory.Exists($"/proc/{pid}") && gone.Elapsed < TimeSpan.FromMinutes(1)) Thread.Sleep(50);
            Assert.False(rank0 is { } left && Directory.Exists($"/proc/{left}"), "rank 0 outlived the failed job by a minute");
        }

        var resumed = CliRunner.Run([.. Args(killed), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Error + resumed.Output);
        AssertSamePrompts(single, killed, expectedRuns: 2);
    }

    [MpiFact]
    public void Under_A_Launcher_The_Reproducible_Mode_Names_The_Variables_For_Mpirun_And_Ends_The_Job()
    {
        using var ws = new PipelineWorkspace();
        string config = ws.WriteConfig();
        var (code, output) = Mpirun.Run(2, "teachers", "--config", config, "--run-dir", ws.PathOf("run"), "--reproducible", "--quiet");
        Assert.NotEqual(0, code);
        Assert.Contains("-x MKL_CBWR=AVX2", output);
        Assert.False(Directory.Exists(Path.Combine(ws.PathOf("run"), PipelineRunner.TeachersDir)), "no rank should have started training");
    }

    /// <summary>Rank 0 announced the data-parallel group (so the job did not run N independent processes), once.</summary>
    private static void AssertRanRanks(string output, int ranks) =>
        Assert.Single(output.Split('\n'), line => line.StartsWith($"data parallel: {ranks} MPI ranks", StringComparison.Ordinal));

    /// <summary>
    /// Every finished run's prompt agrees within the tolerance: the selected one (prompt.safetensors) and the last step's
    /// (checkpoint/prompt.safetensors; dev selection on a tiny random model may keep the initial prompt).
    /// </summary>
    private void AssertSamePrompts(string expected, string actual, int expectedRuns)
    {
        var prompts = Directory.EnumerateFiles(expected, RunFolder.PromptFile, SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(expected, f))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2 * expectedRuns, prompts.Count);
        foreach (string prompt in prompts)
        {
            var want = SafetensorsFile.Read(Path.Combine(expected, prompt));
            var got = SafetensorsFile.Read(Path.Combine(actual, prompt));
            Assert.Equal(want.Keys.Order(), got.Keys.Order());
            double worst = 0;
            foreach (var (name, w) in want)
            {
                var a = w.to(TorchSharp.torch.ScalarType.Float64);
                var b = got[name].to(TorchSharp.torch.ScalarType.Float64);
                Assert.Equal(a.shape, b.shape);
                double excess = ((a - b).abs() - (a.abs() * Relative + Absolute)).max().item<double>();
                worst = Math.Max(worst, (a - b).abs().max().item<double>());
                Assert.True(excess <= 0, $"{prompt} [{name}]: 2 ranks differ from 1 process beyond {Tolerance} (max |diff| {(a - b).abs().max().item<double>():E2})");
            }
            log.WriteLine($"{prompt}: max |2 ranks − 1 process| = {worst:E2}");
            foreach (var t in want.Values.Concat(got.Values)) t.Dispose();
        }
    }
}
