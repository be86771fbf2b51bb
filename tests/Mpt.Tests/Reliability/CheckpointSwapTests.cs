using Mpt.Runs;
using Mpt.Training;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Reliability;

/// <summary>
/// A kill inside <see cref="RunFolder.SaveCheckpoint"/>'s folder swap (checkpoint/ → checkpoint.old/, checkpoint.tmp/ →
/// checkpoint/, old deleted) leaves a state that the next writer completes: found by the kill campaign, where a teacher
/// killed after its final swap finished with a stale checkpoint.old/ next to checkpoint/.
/// </summary>
public sealed class CheckpointSwapTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-swap-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingCheckpoint Checkpoint(long step) => new(step, 4, null, null,
        new BatchSourceState([new ExampleStreamState(1, 3, 0, (int)step)], null),
        new Dictionary<string, torch.Tensor> { ["prompt_embeddings"] = torch.full(2, 3, step) },
        null,
        new Dictionary<string, torch.Tensor> { ["step"] = torch.tensor(step) },
        torch.zeros(8, torch.ScalarType.Byte));

    private RunFolder FolderWithCheckpoint(long step)
    {
        var folder = new RunFolder(_dir);
        folder.EnsureConfig("{}", resume: false);
        using var checkpoint = Checkpoint(step);
        folder.SaveCheckpoint(checkpoint);
        return folder;
    }

    private string Current => Path.Combine(_dir, RunFolder.CheckpointDir);

    private string Old => Path.Combine(_dir, RunFolder.CheckpointDir + ".old");

    [Fact]
    public void Killed_After_Both_Renames_The_Stale_Old_Checkpoint_Is_Removed_On_Resume()
    {
        var folder = FolderWithCheckpoint(4);
        CopyFolder(Current, Old); // the old one was about to be deleted

        folder.EnsureConfig("{}", resume: true);
        Assert.False(Directory.Exists(Old));
        using var loaded = folder.LoadCheckpoint();
        Assert.Equal(4, loaded.Step);
    }

    [Fact]
    public void Killed_Between_The_Renames_The_Old_Checkpoint_Is_Restored_Before_Anything_Is_Deleted()
    {
        var folder = FolderWithCheckpoint(2);
        Directory.Move(Current, Old); // checkpoint/ → checkpoint.old/ done, checkpoint.tmp/ → checkpoint/ not yet

        folder.EnsureConfig("{}", resume: true);
        Assert.True(Directory.Exists(Current));
        Assert.False(Directory.Exists(Old));
        using (var loaded = folder.LoadCheckpoint()) Assert.Equal(2, loaded.Step);
        using (var next = Checkpoint(4)) folder.SaveCheckpoint(next);
        using (var loaded = folder.LoadCheckpoint()) Assert.Equal(4, loaded.Step);
        Assert.Equal([RunFolder.CheckpointDir], Directory.GetDirectories(_dir).Select(Path.GetFileName));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
