using Mpt.Encoder;
using Mpt.Evaluation;
using Mpt.Pipeline;
using Mpt.Tasks;
using Mpt.Tests.Infrastructure;
using Mpt.Tests.Tokenization;
using Mpt.Training;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// The examples the pipeline builds keep their ids in a <see cref="TokenIdStore"/>; they must read, and collate, exactly
/// as the tokenizer's own arrays did: for T5 over every golden tokenizer string, for BERT over every golden encoder folder.
/// </summary>
public sealed class CompactExamplesParityTests
{
    [Fact]
    public void T5_Examples_Of_The_Pipeline_Hold_The_Converters_Ids_And_Collate_As_Arrays_Do()
    {
        // Given the golden strings as rows of a classification task (targets cycle through its labels)
        var task = TaskCatalog.CreateDefault().Get("rte");
        var tokenizer = TokenizerGolden.Tokenizer;
        var rows = TokenizerGolden.Entries.Select((e, i) => new TextToTextRow(e.Text, task.Labels![i % task.Labels.Count], "rte",
            new Dictionary<string, object?>())).ToList();
        const int maxSource = 12;

        // When
        var examples = TaskDataLoader.Tokenize(task, rows, tokenizer, maxSource, taskId: 3);

        // Then the ids are the converter's (the path evaluation uses), and the batches equal those of array examples
        var converter = T5FeatureConverter.ForTask(task, tokenizer, maxSource);
        var reference = rows.Select(r => new TrainingExample(converter.EncodeSource(r.Source), converter.EncodeTarget(r.Target), 3)).ToList();
        Assert.Equal(reference.Count, examples.Count);
        for (int i = 0; i < examples.Count; i++)
        {
            Assert.Equal(reference[i].InputIds, examples[i].InputIds.ToArray());
            Assert.Equal(reference[i].LabelIds, examples[i].LabelIds.ToArray());
            Assert.Equal(3, examples[i].TaskId);
        }
        // A shorter cut in the collator than in tokenization exercises the eos-keeping truncation on the packed ids.
        var collator = new BatchCollator(padTokenId: 0, eosTokenId: 1, maxSourceLength: 7, maxTargetLength: 2);
        AssertSameBatches(examples, reference, collator.Collate);
    }

    public static TheoryData<string> EncoderFolders() => new(Directory.GetDirectories(GoldenRoot.Combine("encoders")).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(EncoderFolders))]
    public void Encoder_Examples_With_A_Store_Collate_As_The_Tokenizers_Lists_Do(string folder)
    {
        var tokenizer = WordPieceTokenizer.FromHfFolder(folder);
        var texts = TokenizerGolden.Entries.Select(e => e.Text).ToList();
        var store = new TokenIdStore(tokenizer.VocabularySize, "test");
        var packed = new List<TrainingExample>();
        var plain = new List<TrainingExample>();
        for (int i = 0; i < texts.Count; i++)
        {
            string? pair = i % 2 == 0 ? null : texts[(i * 7) % texts.Count];
            packed.Add(EncoderTrainingExamples.Create(tokenizer, texts[i], pair, i % 3, 0, maxLength: 16, store));
            plain.Add(EncoderTrainingExamples.Create(tokenizer, texts[i], pair, i % 3, 0, maxLength: 16));
        }

        for (int i = 0; i < packed.Count; i++)
        {
            Assert.Equal(plain[i].InputIds, packed[i].InputIds.ToArray());
            // Single texts: all-0 token types are not stored (null reads as 0); pairs keep theirs.
            if (i % 2 == 0) Assert.Null(packed[i].TokenTypeIds);
            else Assert.Equal(plain[i].TokenTypeIds!, packed[i].TokenTypeIds!.ToArray());
        }
        var collator = new EncoderBatchCollator(tokenizer.PadTokenId, [3], maxLength: 9);
        AssertSameBatches(packed, plain, collator.Collate);
    }

    private static void AssertSameBatches(IReadOnlyList<TrainingExample> actual, IReadOnlyList<TrainingExample> expected,
        Func<IReadOnlyList<TrainingExample>, PromptBatch> collate)
    {
        for (int start = 0; start < actual.Count; start += 5)
        {
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(5, actual.Count - start);
            var a = collate(actual.Skip(start).Take(count).ToList());
            var e = collate(expected.Skip(start).Take(count).ToList());
            Assert.Equal(e.InputIds.shape, a.InputIds.shape);
            Assert.Equal(e.InputIds.data<long>().ToArray(), a.InputIds.data<long>().ToArray());
            Assert.Equal(e.AttentionMask.data<long>().ToArray(), a.AttentionMask.data<long>().ToArray());
            Assert.Equal(e.Labels.data<long>().ToArray(), a.Labels.data<long>().ToArray());
            Assert.Equal(e.TaskIds.data<long>().ToArray(), a.TaskIds.data<long>().ToArray());
            Assert.Equal(e.TokenTypeIds?.data<long>().ToArray(), a.TokenTypeIds?.data<long>().ToArray());
        }
    }
}
