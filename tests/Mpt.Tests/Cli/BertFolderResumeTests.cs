using Mpt.Checkpoints;
using Mpt.Cli;
using Mpt.Pipeline;
using Mpt.Reports;
using Mpt.Runs;
using Mpt.Tests.Encoder;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// Resume on a Hugging Face BERT folder (a tiny random BERT the test writes): <c>mpt run</c> killed in the middle of a
/// teacher and, resumed, in the middle of an adaptation run, then resumed to the end, gives the prompts and the results
/// of an uninterrupted run, as the T5 resume tests check for T5.
/// </summary>
public sealed class BertFolderResumeTests
{
    [Fact]
    public void An_Interrupted_Run_On_A_Bert_Folder_Should_Resume_To_The_Prompts_And_Results_Of_An_Uninterrupted_Run()
    {
        using var bert = new TinyBertFolder().WriteConfigAndTokenizer();
        using (var model = TinyBertFolder.RandomModel(seed: 5)) bert.WriteSafetensors(TinyBertFolder.StateDict(model));
        using var data = new UserTaskFolder();
        // 4 steps per run with a checkpoint every 2: teachers 1-4 and 5-8, distillation 9-12, then mpt, pt and spot.
        string[] run = EncoderUserFlow.RunArgs(data, bert.Path, promptLength: 2, maxSourceLength: 16, maxSteps: 4,
            loop: """, "checkpoint_every_steps": 2, "log_every_steps": 1""");
        string straight = Path.Combine(data.Root, "straight"), broken = Path.Combine(data.Root, "broken");
        var whole = CliRunner.Run([.. run, "--run-dir", straight, "--quiet"]);
        Assert.True(whole.ExitCode == MptCli.Ok, whole.Error);

        // Killed at step 3 of the first teacher (checkpoint at step 2); resumed from step 3 (2 + 4 + 4 = 10 steps to the
        // end of the distillation), killed again at step 3 of the first adaptation run; resumed to the end.
        var first = CliRunner.Run([.. run, "--run-dir", broken, "--quiet", "--stop-after-steps", "3"]);
        Assert.True(first.ExitCode == MptCli.Interrupted, first.Error + first.Output);
        Assert.Contains($"teacher {UserTaskFolder.Polarity} stopped after step 3", first.Error);
        var second = CliRunner.Run([.. run, "--run-dir", broken, "--quiet", "--resume", "--stop-after-steps", "13"]);
        Assert.True(second.ExitCode == MptCli.Interrupted, second.Error + second.Output);
        Assert.Contains($"{UserTaskFolder.Reviews} seed 1 stopped after step 3", second.Error);
        var third = CliRunner.Run([.. run, "--run-dir", broken, "--quiet", "--resume"]);
        Assert.True(third.ExitCode == MptCli.Ok, third.Error + third.Output);

        string[] folders =
        [
            Path.Combine(PipelineRunner.TeachersDir, UserTaskFolder.Polarity), Path.Combine(PipelineRunner.TeachersDir, UserTaskFolder.Topic),
            PipelineRunner.DistillDir,
            .. new[] { "mpt", "pt", "spot" }.Select(m => Path.Combine(PipelineRunner.AdaptDir, UserTaskFolder.Reviews, m, "seed-1")),
        ];
        foreach (string folder in folders)
        {
            var want = SafetensorsFile.Read(Path.Combine(straight, folder, RunFolder.PromptFile));
            var got = SafetensorsFile.Read(Path.Combine(broken, folder, RunFolder.PromptFile));
            Assert.Equal(want.Keys.Order(), got.Keys.Order());
            foreach (var (name, tensor) in want) Assert.True(tensor.equal(got[name]).all().item<bool>(), $"{folder}/{name} differs after resume");
        }
        var wantTargets = RunResults.Read(Path.Combine(straight, PipelineRunner.ResultsFile)).Targets![UserTaskFolder.Reviews];
        var gotTargets = RunResults.Read(Path.Combine(broken, PipelineRunner.ResultsFile)).Targets![UserTaskFolder.Reviews];
        Assert.Equal(wantTargets.Keys.Order(), gotTargets.Keys.Order());
        foreach (var (method, result) in wantTargets)
            Assert.Equal(result.Seeds.Select(s => s.Score), gotTargets[method].Seeds.Select(s => s.Score));
    }
}
