using Mpt.Encoder;
using Mpt.Model;

namespace Mpt.Peft;

/// <summary>
/// The shape of a model that a prompt depends on: width, depths, heads, feed-forward kind and size, vocabulary and
/// whether the LM head is tied to the embedding (tied T5 rescales the decoder output by d_model^-0.5, so the same
/// prompt behaves differently under the other choice). T5 fills every field; a BERT encoder maps its config onto them
/// (hidden size → d_model, no decoder, intermediate size → d_ff, hidden_act → ff) and says so in <see cref="ModelType"/>.
/// </summary>
/// <param name="DModel">d_model, the prompt width.</param>
/// <param name="NumLayers">Encoder blocks (HF num_layers).</param>
/// <param name="NumDecoderLayers">Decoder blocks.</param>
/// <param name="NumHeads">Attention heads.</param>
/// <param name="DKv">Width of one head.</param>
/// <param name="DFf">Feed-forward width.</param>
/// <param name="VocabSize">Rows of the shared embedding.</param>
/// <param name="FeedForwardProj">HF feed_forward_proj, e.g. "relu" (T5 v1.0) or "gated-gelu" (v1.1, Flan).</param>
/// <param name="TieWordEmbeddings">Whether lm_head shares the embedding.</param>
public sealed record ModelArchitecture(
    int DModel, int NumLayers, int NumDecoderLayers, int NumHeads, int DKv, int DFf, int VocabSize,
    string FeedForwardProj, bool TieWordEmbeddings)
{
    /// <summary>The model family, HF's <c>model_type</c>: <c>t5</c> (the default, so T5 records stay as they were) or <c>bert</c>.</summary>
    public string ModelType { get; init; } = T5Type;

    /// <summary><see cref="ModelType"/> of T5.</summary>
    public const string T5Type = "t5";

    /// <summary><see cref="ModelType"/> of a BERT-family encoder.</summary>
    public const string BertType = "bert";

    /// <summary>The PEFT <c>task_type</c> a prompt for this model is saved with (T5: seq2seq LM; an encoder: feature extraction).</summary>
    public string PeftTaskType => ModelType == T5Type ? PeftAdapterConfig.Seq2SeqTaskType : PeftAdapterConfig.FeatureExtractionTaskType;

    /// <summary>The architecture of a BERT encoder config (post-LN, GELU feed-forward, no decoder, no LM head).</summary>
    public static ModelArchitecture From(BertConfig config) => new(
        config.HiddenSize, config.NumLayers, 0, config.NumHeads, config.HeadSize, config.IntermediateSize,
        config.VocabSize, "gelu", false) { ModelType = BertType };

    /// <summary>The architecture of a T5 config.</summary>
    public static ModelArchitecture From(T5Config config) => new(
        config.DModel, config.NumLayers, config.NumDecoderLayers, config.NumHeads, config.DKv, config.DFf,
        config.VocabSize, config.FeedForwardProj, config.TieWordEmbeddings);

    /// <summary>One line for messages and for the fingerprint's hash input, e.g.
    /// <c>d_model=768 layers=12/12 heads=12 d_kv=64 d_ff=3072 vocab=32128 ff=relu tied=true</c>.</summary>
    public override string ToString() =>
        (ModelType == T5Type ? "" : $"{ModelType} ") +
        $"d_model={DModel} layers={NumLayers}/{NumDecoderLayers} heads={NumHeads} d_kv={DKv} d_ff={DFf} vocab={VocabSize} " +
        $"ff={FeedForwardProj} tied={(TieWordEmbeddings ? "true" : "false")}";
}
