using System.Diagnostics;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// The CLI installs as a .NET tool from a local pack and works: <c>mpt --help</c> lists the verbs with one line each,
/// and the installed tool loads libtorch (which on libstdc++ &lt; 13 needs the patched libLibTorchSharp.so).
/// </summary>
[Trait("Category", "Packaging")]
public sealed class ToolPackagingTests
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mpt.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (Mpt.slnx) not found.");
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot() };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    [PackagingFact]
    public void Packed_Tool_Should_Install_List_Its_Verbs_And_Load_Torch()
    {
        string work = Directory.CreateTempSubdirectory("mpt-tool-").FullName;
        try
        {
            string pack = Path.Combine(work, "pkg"), tools = Path.Combine(work, "tools");
            var packed = Run("dotnet", "pack", Path.Combine(RepoRoot(), "src", "Mpt.Cli"), "-c", "Release", "-o", pack);
            Assert.True(packed.Code == 0, packed.Output);
            var installed = Run("dotnet", "tool", "install", "--tool-path", tools, "--add-source", pack, "Mpt.Cli");
            Assert.True(installed.Code == 0, installed.Output);

            string mpt = Path.Combine(tools, "mpt");
            var help = Run(mpt, "--help");
            Assert.Equal(0, help.Code);
            var lines = help.Output.Split('\n');
            foreach (var verb in Mpt.Cli.MptCli.Verbs(new Mpt.Cli.CliContext(TextWriter.Null, TextWriter.Null)))
            {
                string line = Assert.Single(lines, l => l.TrimStart().StartsWith(verb.Name + " ", StringComparison.Ordinal));
                Assert.Contains(verb.Description!, line);
            }

            // Torch's natives load in the installed tool: asking for CUDA reaches torch.cuda.is_available() and fails
            // with the CPU-only message, not with a native load error.
            string input = Path.Combine(work, "in.txt");
            File.WriteAllText(input, "x\n");
            var torch = Run(mpt, "predict", "--model", work, "--input", input, "--device", "cuda");
            Assert.Equal(1, torch.Code);
            Assert.Contains("CUDA is not available", torch.Output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
