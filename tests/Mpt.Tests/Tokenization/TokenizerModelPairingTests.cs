using Mpt.Cli;
using Mpt.Evaluation;
using Mpt.Inspection;
using Mpt.Model;
using Mpt.Pipeline;
using Mpt.Tests.Cli;
using Mpt.Tests.Evaluation;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Tokenization;

/// <summary>
/// A tokenizer with more ids than the model has embedding rows is refused where the two are loaded together, with one
/// message naming both files and both sizes — not an "index out of range in self" from libtorch in the middle of a run.
/// </summary>
public sealed class TokenizerModelPairingTests : IDisposable
{
    // The golden tokenizer (1,100 ids in the documented layout) with a model of 100 fewer rows.
    private readonly VocabularyMismatchFolder _small = new(extraRows: -100);

    public void Dispose() => _small.Dispose();

    private void AssertNamesBothFilesAndSizes(string message)
    {
        Assert.Contains(_small.SpieceModel, message);
        Assert.Contains(_small.ConfigFile, message);
        Assert.Contains($"{_small.TokenizerIds} token ids", message);
        Assert.Contains($"vocabulary of {_small.Config.VocabSize}", message);
    }

    [Fact]
    public void Loading_The_Tokenizer_Of_A_Model_Should_Refuse_Ids_The_Model_Has_No_Row_For()
    {
        var e = Assert.Throws<InvalidDataException>(() => PipelineRunner.LoadTokenizer(new ModelConfig { Path = _small.ModelDir }));
        AssertNamesBothFilesAndSizes(e.Message);
    }

    [Fact]
    public void A_Model_With_More_Rows_Than_The_Tokenizer_Has_Ids_Should_Be_Accepted()
    {
        // t5-base: 32,100 ids, 32,128 rows.
        using var larger = new VocabularyMismatchFolder(extraRows: 28);
        var tokenizer = PipelineRunner.LoadTokenizer(new ModelConfig { Path = larger.ModelDir });
        Assert.Equal(larger.TokenizerIds, tokenizer.VocabSize);
    }

    [Fact]
    public void The_Evaluator_Should_Refuse_A_Tokenizer_Larger_Than_The_Model()
    {
        var tokenizer = Mpt.Tokenization.T5Tokenizer.FromFolder(_small.ModelDir);
        using var model = T5ForConditionalGeneration.FromPretrained(_small.ModelDir);
        var e = Assert.Throws<InvalidDataException>(() => new Evaluator(EvaluationModel.Plain(model), tokenizer));
        Assert.Contains(_small.SpieceModel, e.Message);
        Assert.Contains($"vocabulary of {_small.Config.VocabSize}", e.Message);
    }

    [Fact]
    public void Model_Folder_Inspection_Should_Refuse_A_Tokenizer_Larger_Than_The_Model()
    {
        var e = Assert.Throws<InvalidDataException>(() => ModelFolderSummary.Inspect(_small.ModelDir));
        AssertNamesBothFilesAndSizes(e.Message);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(0L)] // replaced by vocab_size: the first id past the table
    public void Ids_Outside_The_Vocabulary_Should_Be_Refused_Where_They_Enter_The_Model(long offset)
    {
        using var model = T5ForConditionalGeneration.FromPretrained(_small.ModelDir);
        long bad = offset < 0 ? offset : _small.Config.VocabSize;
        using var ids = torch.tensor(new long[] { 5, bad, 7 }).unsqueeze(0);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.EmbedTokens(ids));
        Assert.Contains($"token id {bad}", e.Message);
        Assert.Contains($"[0, {_small.Config.VocabSize})", e.Message);
        using var fine = torch.tensor(new long[] { 0, _small.Config.VocabSize - 1 }).unsqueeze(0);
        using var embedded = model.EmbedTokens(fine);
        Assert.Equal(new long[] { 1, 2, _small.Config.DModel }, embedded.shape);
    }

    [Fact]
    public void Ids_Outside_The_Vocabulary_Should_Be_Refused_Where_They_Enter_A_Bert()
    {
        using var bert = new Mpt.Encoder.BertModel(new Mpt.Encoder.BertConfig { VocabSize = 50, HiddenSize = 16, NumLayers = 1, NumHeads = 4, IntermediateSize = 32, MaxPositions = 24 });
        using var ids = torch.tensor(new long[] { 3, 50 }).unsqueeze(0);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => bert.WordEmbeddings(ids));
        Assert.Contains("token id 50", e.Message);
        Assert.Contains("[0, 50)", e.Message);
    }

    [Fact]
    public void Every_Verb_That_Pairs_Them_Should_Fail_With_One_Line_Naming_Both_Files()
    {
        using var ws = new PipelineWorkspace();
        string input = Path.Combine(_small.Root, "inputs.txt");
        File.WriteAllText(input, "rte sentence1: A man walks. sentence2: Nobody.\n");
        string data = Path.Combine(_small.Root, "rte.jsonl");
        File.WriteAllLines(data, TinyEvaluationWorkspace.RteExamples(4).Select(r => System.Text.Json.JsonSerializer.Serialize(r)));
        string runDir = Path.Combine(_small.Root, "run");
        string[][] commands =
        [
            ["info", _small.ModelDir],
            ["predict", "--model", _small.ModelDir, "--input", input],
            ["evaluate", "--model", _small.ModelDir, "--task", "rte", "--data", data],
            ["run", "--config", ws.WriteConfig(), "--model", _small.ModelDir, "--run-dir", runDir, "--quiet"],
        ];
        foreach (string[] args in commands)
        {
            var r = CliRunner.Run(args);
            Assert.True(r.ExitCode == MptCli.Failed, $"{args[0]}: exit {r.ExitCode}\n{r.Error}");
            string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error: ", line);
            AssertNamesBothFilesAndSizes(line);
        }
        Assert.False(Directory.Exists(Path.Combine(runDir, PipelineRunner.TeachersDir)), "the run must stop before any teacher trains");
    }
}
