using System.Text.Json;
using Mpt.Checkpoints;
using Mpt.Cli;
using Mpt.Tests.Infrastructure;
using Xunit;

namespace Mpt.Tests.Cli;

public sealed class InfoCommandTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("mpt-info-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    public static TheoryData<string> Models() => new(GoldenRoot.ModelNames());

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Describe_Every_Golden_Model(string model)
    {
        // Given
        string dir = GoldenRoot.Combine("models", model);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        long expectedTotal = SafetensorsFile.Read(Path.Combine(dir, "model.safetensors")).Values
            .Sum(t => { long n = t.NumberOfElements; t.Dispose(); return n; });

        // When
        var text = CliRunner.Run("info", dir);
        var json = CliRunner.Run("info", dir, "--json");

        // Then
        Assert.Equal(MptCli.Ok, text.ExitCode);
        Assert.Contains(config.RootElement.GetProperty("feed_forward_proj").GetString()!, text.Output);
        Assert.Contains("tokenizer    none", text.Output);
        Assert.Equal(MptCli.Ok, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Output);
        Assert.Equal(expectedTotal, doc.RootElement.GetProperty("parameter_counts").GetProperty("total").GetInt64());
        Assert.Equal(expectedTotal, doc.RootElement.GetProperty("values_per_stored_dtype").GetProperty("F32").GetInt64());
        Assert.Equal(config.RootElement.GetProperty("d_model").GetInt32(), doc.RootElement.GetProperty("config").GetProperty("d_model").GetInt32());
    }

    [Fact]
    public void Should_Describe_The_Tokenizer_When_The_Folder_Has_One()
    {
        // Given: a T5 folder with the golden tokenizer and a model whose vocabulary holds every tokenizer id
        using var ws = new Mpt.Tests.Evaluation.TinyEvaluationWorkspace();
        var tok = ws.Tokenizer;
        static string N(long n) => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

        // When
        var result = CliRunner.Run("info", ws.ModelDir);

        // Then
        Assert.True(result.ExitCode == MptCli.Ok, result.Error);
        Assert.Contains($"{N(tok.SentencePieceSize)} pieces + {tok.ExtraIds} sentinels = vocab {N(tok.VocabSize)}; pad {tok.PadId}, eos {tok.EosId}, unk {tok.UnkId}", result.Output);
    }

    [Fact]
    public void Should_Refuse_A_Tokenizer_With_More_Ids_Than_The_Model_Has_Rows()
    {
        // Given: a golden model folder plus the golden spiece.model, which has more ids than any golden model's vocabulary
        string dir = CopyGoldenModel();
        File.Copy(GoldenRoot.Combine("tokenizer", "spiece.model"), Path.Combine(dir, "spiece.model"));
        var tokenizerIds = Mpt.Tokenization.T5Tokenizer.FromFolder(dir).VocabSize;
        int vocab = Mpt.Model.T5Config.FromJsonFile(Path.Combine(dir, "config.json")).VocabSize;
        Assert.True(tokenizerIds > vocab, $"the golden tokenizer ({tokenizerIds} ids) must be larger than the golden model ({vocab})");

        // When
        var result = CliRunner.Run("info", dir);

        // Then
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains(Path.Combine(dir, "spiece.model"), result.Error);
        Assert.Contains($"{tokenizerIds} token ids", result.Error);
        Assert.Contains($"vocabulary of {vocab}", result.Error);
    }

    [Fact]
    public void Should_Fail_With_One_Line_When_The_Folder_Is_Missing()
    {
        var result = CliRunner.Run("info", Path.Combine(_tmp, "nope"));
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.StartsWith("error: ", result.Error);
        Assert.Contains("nope", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public void Should_Name_The_Missing_Config()
    {
        string dir = CopyGoldenModel();
        File.Delete(Path.Combine(dir, "config.json"));
        var result = CliRunner.Run("info", dir);
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains("config.json", result.Error);
    }

    [Fact]
    public void Should_Name_The_Missing_Weights()
    {
        string dir = CopyGoldenModel();
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var result = CliRunner.Run("info", dir);
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains("model.safetensors", result.Error);
    }

    [Fact]
    public void Should_Report_A_Truncated_Checkpoint()
    {
        string dir = CopyGoldenModel();
        string weights = Path.Combine(dir, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var result = CliRunner.Run("info", dir);
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains("model.safetensors", result.Error);
        Assert.Contains("truncated", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Should_Report_An_Unknown_Feed_Forward_Projection()
    {
        string dir = CopyGoldenModel();
        EditConfig(dir, c => c["feed_forward_proj"] = "swishy");
        var result = CliRunner.Run("info", dir);
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains("swishy", result.Error);
        Assert.Contains("config.json", result.Error);
    }

    [Fact]
    public void Should_Report_Weights_That_Do_Not_Fit_The_Config()
    {
        // Given: the config's d_ff no longer matches the stored feed-forward weights (whatever d_ff the golden model has)
        string dir = CopyGoldenModel();
        EditConfig(dir, c => c["d_ff"] = c["d_ff"]!.GetValue<int>() + 16);

        // When
        var result = CliRunner.Run("info", dir);

        // Then
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains("DenseReluDense", result.Error);
    }

    [Fact]
    public void Should_Show_The_Stack_Trace_Only_With_Verbose()
    {
        var result = CliRunner.Run("info", Path.Combine(_tmp, "nope"), "--verbose");
        Assert.Equal(MptCli.Failed, result.ExitCode);
        Assert.Contains("   at ", result.Error);
    }

    [Fact]
    public void Should_Suggest_The_Closest_Verb()
    {
        var result = CliRunner.Run("inf", "x");
        Assert.Equal(MptCli.Usage, result.ExitCode);
        Assert.Contains("Did you mean 'info'?", result.Error);
    }

    [Fact]
    public void Should_Suggest_The_Closest_Flag()
    {
        var result = CliRunner.Run("info", "x", "--jsn");
        Assert.Equal(MptCli.Usage, result.ExitCode);
        Assert.Contains("Did you mean '--json'?", result.Error);
    }

    /// <summary>Copies the first golden model (in name order) to a scratch folder.</summary>
    private string CopyGoldenModel()
    {
        string source = GoldenRoot.Combine("models", GoldenRoot.ModelNames()[0]);
        string dir = Path.Combine(_tmp, Path.GetFileName(source));
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(source)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    private static void EditConfig(string dir, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        string path = Path.Combine(dir, "config.json");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
    }
}
