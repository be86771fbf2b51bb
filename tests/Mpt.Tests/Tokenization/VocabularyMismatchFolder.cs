using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Tests.Infrastructure;
using Mpt.Tokenization;
using TorchSharp;

namespace Mpt.Tests.Tokenization;

/// <summary>
/// A temporary HF T5 folder whose model and tokenizer disagree on the vocabulary: the golden tokenizer files next to a
/// tiny random untied T5 with <c>vocab_size</c> = the tokenizer's ids + <paramref name="extraRows"/> (negative: the
/// tokenizer has ids the model has no embedding for; positive: the model can generate ids the tokenizer does not know).
/// With <paramref name="generateUnknownIds"/> the LM head scores only two of those extra rows, w and −w, so greedy
/// generation emits an unknown id at every step (whichever sign h·w has).
/// </summary>
public sealed class VocabularyMismatchFolder : IDisposable
{
    public VocabularyMismatchFolder(int extraRows, bool generateUnknownIds = false)
    {
        Root = Directory.CreateTempSubdirectory("mpt-vocab-").FullName;
        ModelDir = Path.Combine(Root, "model");
        Directory.CreateDirectory(ModelDir);
        foreach (string file in Directory.GetFiles(GoldenRoot.Combine("tokenizer")))
            File.Copy(file, Path.Combine(ModelDir, Path.GetFileName(file)));
        TokenizerIds = T5Tokenizer.FromFolder(ModelDir).VocabSize;
        Config = new T5Config
        {
            VocabSize = TokenizerIds + extraRows, DModel = 16, DKv = 4, DFf = 32, NumLayers = 1, NumDecoderLayers = 1, NumHeads = 2,
            RelativeAttentionNumBuckets = 8, RelativeAttentionMaxDistance = 16, DropoutRate = 0, TieWordEmbeddings = false,
            PadTokenId = 0, EosTokenId = 1, DecoderStartTokenId = 0,
        };
        torch.manual_seed(11);
        using var model = new T5ForConditionalGeneration(Config);
        var state = model.state_dict();
        if (generateUnknownIds)
        {
            if (extraRows < 2) throw new ArgumentOutOfRangeException(nameof(extraRows), "two rows past the tokenizer are needed.");
            using var noGrad = torch.no_grad();
            var head = state["lm_head.weight"];
            head.zero_();
            using var w = torch.randn(Config.DModel);
            head[TokenizerIds].copy_(w);
            head[TokenizerIds + 1].copy_(-w);
        }
        SafetensorsFile.Write(Path.Combine(ModelDir, "model.safetensors"), state);
        File.WriteAllText(Path.Combine(ModelDir, "config.json"), Config.ToJson());
    }

    public string Root { get; }

    public string ModelDir { get; }

    public T5Config Config { get; }

    /// <summary>Ids of the golden tokenizer (len(tokenizer)).</summary>
    public int TokenizerIds { get; }

    public string SpieceModel => Path.Combine(ModelDir, "spiece.model");

    public string ConfigFile => Path.Combine(ModelDir, "config.json");

    public string PathOf(string name) => Path.Combine(Root, name);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}
