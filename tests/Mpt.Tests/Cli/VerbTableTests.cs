using System.Text.RegularExpressions;
using Mpt.Cli;
using Mpt.Tests.Infrastructure;
using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>The registered verbs, the help text and the documented verb list cannot drift apart (litgpt's check).</summary>
public sealed class VerbTableTests
{
    private static IReadOnlyList<string> Registered() =>
        MptCli.Verbs(new CliContext(TextWriter.Null, TextWriter.Null)).Select(c => c.Name).ToList();

    [Fact]
    public void Should_List_Every_Verb_In_Help_With_One_Line()
    {
        // When
        var help = CliRunner.Run("--help");

        // Then
        Assert.Equal(MptCli.Ok, help.ExitCode);
        foreach (string verb in Registered())
        {
            var lines = help.Output.Split('\n').Where(l => Regex.IsMatch(l, $@"^\s+{Regex.Escape(verb)}(\s|$)")).ToList();
            Assert.True(lines.Count == 1, $"'mpt --help' should list '{verb}' on exactly one line, found {lines.Count}");
            Assert.True(lines[0].Trim().Length > verb.Length + 10, $"'{verb}' has no description in --help");
        }
    }

    [Fact]
    public void Should_Document_Exactly_The_Registered_Verbs()
    {
        // Given: the verb table at the top of docs/cli.md ("mpt VERB   description" lines before the first heading)
        string doc = File.ReadAllText(Path.Combine(GoldenRoot.RepositoryRoot(), "docs", "cli.md"));
        string table = doc[..doc.IndexOf("\n## ", StringComparison.Ordinal)];
        var documented = Regex.Matches(table, @"^mpt (\S+)\s", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();

        // Then
        Assert.Equal(Registered().Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }
}
