using System.CommandLine;
using System.Runtime.InteropServices;
using Mpt.Cli;
using Mpt.Tests.Infrastructure;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// Whatever fails inside a verb — bad input, an error raised inside libtorch, a failed disk, a bug — the CLI prints one
/// line on stderr and exits with 1; the stack trace only with <c>--verbose</c>, which every verb accepts.
/// </summary>
public sealed class CliFailureTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("mpt-failure-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    // TorchSharp raises libtorch's c10::Error as an ExternalException whose message carries the native stack.
    private const string NativeMessage = "index out of range in self\nException raised from operator() at /pytorch/aten/src/ATen/native/TensorAdvancedIndexing.cpp:1756 (most recent call first):\nframe #0: c10::Error::Error(c10::SourceLocation, std::string) + 0xb0 (0x7f in libc10.so)";

    public static TheoryData<string, string> Failures() => new()
    {
        { "libtorch", "error: libtorch: index out of range in self (run with --verbose for the stack trace)" },
        { "io", "error: No space left on device : '/tmp/x'" },
        { "null", "error: unexpected NullReferenceException: Object reference not set to an instance of an object. (run with --verbose for the stack trace)" },
        { "aggregate", "error: unexpected DivideByZeroException: Attempted to divide by zero. (run with --verbose for the stack trace)" },
    };

    private static Exception Make(string kind) => kind switch
    {
        "libtorch" => new ExternalException(NativeMessage),
        "io" => new IOException("No space left on device : '/tmp/x'"),
        "null" => new NullReferenceException(),
        "aggregate" => new AggregateException(new DivideByZeroException()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // The real root of `mpt` plus one verb that throws, run through the entry point the process uses.
    private static CliRunner.Result RunThrowing(string kind, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error) { Args = args };
        var root = MptCli.BuildRoot(context);
        var explode = new Command("explode");
        explode.SetAction((Func<ParseResult, int>)(_ => throw Make(kind)));
        root.Add(explode);
        int code = MptCli.Run(root, context);
        return new CliRunner.Result(code, output.ToString(), error.ToString());
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void Any_Failure_Should_Be_One_Line_And_Exit_Code_1(string kind, string expected)
    {
        var r = RunThrowing(kind, "explode");
        Assert.Equal(MptCli.Failed, r.ExitCode);
        Assert.Equal(expected, Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void Verbose_Should_Add_The_Stack_Trace(string kind, string expected)
    {
        _ = expected;
        foreach (string[] args in new[] { new[] { "explode", "--verbose" }, ["--verbose", "explode"], ["explode", "-v"] })
        {
            var r = RunThrowing(kind, args);
            Assert.Equal(MptCli.Failed, r.ExitCode);
            string[] lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("error: ", lines[0]);
            Assert.DoesNotContain("--verbose", lines[0]);
            Assert.Contains(lines, l => l.StartsWith("   at ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_Config_Claiming_An_Impossible_Model_Should_Be_Refused_In_One_Line_Naming_The_Config()
    {
        // Given: a T5 folder whose config asks for an embedding table no machine can allocate (2e9 × 1e5 floats). This
        // used to reach libtorch's allocator and fail there; the config is now refused before the model is built,
        // because it describes far more parameters than the weights beside it hold (docs/reliability.md §1). The
        // libtorch error line itself is covered by the "libtorch" case above.
        string dir = Path.Combine(_tmp, "huge");
        Directory.CreateDirectory(dir);
        string golden = GoldenRoot.Combine("models", GoldenRoot.ModelNames()[0]);
        File.Copy(Path.Combine(golden, "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var config = Mpt.Model.T5Config.FromJsonFile(Path.Combine(golden, "config.json")) with { VocabSize = 2_000_000_000, DModel = 100_000 };
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJson());
        string input = Path.Combine(_tmp, "in.txt");
        File.WriteAllText(input, "hello\n");

        // When
        var r = CliRunner.Run("predict", "--model", dir, "--tokenizer", GoldenRoot.Combine("tokenizer"), "--input", input);

        // Then
        Assert.Equal(MptCli.Failed, r.ExitCode);
        string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {Path.Combine(dir, "config.json")}: describes a model of ", line);
        Assert.Contains("does not belong to these weights", line);
    }

    [Fact]
    public void Every_Verb_Should_Accept_Verbose()
    {
        var root = MptCli.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null));
        foreach (var verb in root.Subcommands)
        {
            var subverbs = verb.Subcommands.Count > 0 ? verb.Subcommands.Select(s => new[] { verb.Name, s.Name }) : [[verb.Name]];
            foreach (string[] path in subverbs)
            {
                var parse = root.Parse([.. path, "--verbose"]);
                Assert.DoesNotContain(parse.Errors, e => e.Message.Contains("--verbose", StringComparison.Ordinal));
                Assert.True(parse.GetValue(MptCli.Verbose), string.Join(' ', path));
            }
        }
    }
}
