using Mpt.Quickstart;
using Mpt.Tests.Cli;
using Xunit;

namespace Mpt.Tests.Quickstart;

/// <summary>The quickstart presets, the committed config file, and config errors as the user sees them.</summary>
public sealed class QuickstartOptionsTests
{
    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mpt.slnx"))) return Path.Combine(dir.FullName, relative);
        throw new InvalidOperationException($"no Mpt.slnx above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void Should_Match_The_Default_Preset_In_Configs_Quickstart_Json()
    {
        var fromFile = QuickstartOptions.Load(RepositoryFile(Path.Combine("configs", "quickstart.json")));
        Assert.Equal(QuickstartOptions.Default.ToJson(), fromFile.ToJson());
    }

    [Fact]
    public void Should_Validate_Both_Presets_And_Run_More_In_Full()
    {
        QuickstartOptions.Default.Validate();
        QuickstartOptions.Full.Validate();
        Assert.Equal(6, QuickstartOptions.Full.Sources.Count);
        Assert.Equal(6, QuickstartOptions.Full.Targets.Count);
        Assert.Equal([16, 32], QuickstartOptions.Full.ShotsPerClass);
        Assert.True(QuickstartOptions.Full.Seeds.Count > QuickstartOptions.Default.Seeds.Count);
    }

    [Fact]
    public void Should_Name_The_File_And_Setting_Of_A_Bad_Config()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mpt-qs-config-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string unknown = Path.Combine(dir, "unknown.json");
            File.WriteAllText(unknown, """{ "teacher_stepz": 5 }""");
            var e = Assert.Throws<InvalidDataException>(() => QuickstartOptions.Load(unknown));
            Assert.Contains(unknown, e.Message);
            Assert.Contains("teacher_stepz", e.Message);

            string bad = Path.Combine(dir, "bad.json");
            File.WriteAllText(bad, """{ "seeds": [1, 1] }""");
            e = Assert.Throws<InvalidDataException>(() => QuickstartOptions.Load(bad));
            Assert.Contains(bad, e.Message);
            Assert.Contains("seeds", e.Message);

            string overlap = Path.Combine(dir, "overlap.json");
            File.WriteAllText(overlap, """{ "targets": ["word-polarity"] }""");
            e = Assert.Throws<InvalidDataException>(() => QuickstartOptions.Load(overlap));
            Assert.Contains("'word-polarity' is both a source and a target", e.Message);

            // The CLI turns it into one line and exit code 1 before any data or model is touched.
            var cli = CliRunner.Run("quickstart", "--config", unknown);
            Assert.Equal(1, cli.ExitCode);
            Assert.Contains("teacher_stepz", cli.Error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Should_List_The_Quickstart_Verb_And_Its_Options_In_Help()
    {
        var help = CliRunner.Run("quickstart", "--help");
        Assert.Equal(0, help.ExitCode);
        foreach (string option in new[] { "--full", "--config", "--data-dir", "--run-dir", "--rebuild-data", "--no-fortunes", "--threads" })
            Assert.Contains(option, help.Output);
    }
}
