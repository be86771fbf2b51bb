namespace Mpt.Bench;

/// <summary>
/// The tensor names and shapes of a Hugging Face <c>T5ForConditionalGeneration</c> state dict as
/// <c>save_pretrained</c> writes it (docs/testing.md §2.3): tied duplicates removed, relative attention
/// bias only in block 0 of each stack, no Linear biases, weights stored [out_features, in_features].
/// </summary>
/// <param name="VocabSize">Rows of <c>shared.weight</c>.</param>
/// <param name="DModel">Model width.</param>
/// <param name="DFf">Feed-forward width.</param>
/// <param name="DKv">Width of one attention head.</param>
/// <param name="NumHeads">Attention heads.</param>
/// <param name="NumLayers">Encoder blocks.</param>
/// <param name="NumDecoderLayers">Decoder blocks.</param>
/// <param name="NumBuckets">Relative attention buckets.</param>
/// <param name="GatedFf">True for "gated-gelu" (wi_0, wi_1), false for "relu" (wi).</param>
/// <param name="TiedEmbeddings">True when lm_head is shared.weight (so no lm_head.weight is stored).</param>
public sealed record T5StateDictLayout(
    int VocabSize, int DModel, int DFf, int DKv, int NumHeads, int NumLayers, int NumDecoderLayers, int NumBuckets,
    bool GatedFf, bool TiedEmbeddings)
{
    /// <summary>t5-base: vocab 32128, d_model 768, d_ff 3072, 12+12 layers, 12 heads of 64, relu, tied embeddings.</summary>
    public static T5StateDictLayout T5Base { get; } = new(32128, 768, 3072, 64, 12, 12, 12, 32, GatedFf: false, TiedEmbeddings: true);

    /// <summary>The layout a transformers T5 <c>config.json</c> describes.</summary>
    public static T5StateDictLayout FromConfig(string configPath)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(configPath));
        var c = doc.RootElement;
        int Int(string name) => c.GetProperty(name).GetInt32();
        int layers = Int("num_layers");
        // T5Config: num_decoder_layers defaults to num_layers; tie_word_embeddings defaults to true.
        int decoderLayers = c.TryGetProperty("num_decoder_layers", out var d) && d.ValueKind == System.Text.Json.JsonValueKind.Number ? d.GetInt32() : layers;
        bool tied = !c.TryGetProperty("tie_word_embeddings", out var t) || t.GetBoolean();
        bool gated = c.GetProperty("feed_forward_proj").GetString()!.StartsWith("gated-", StringComparison.Ordinal);
        return new(Int("vocab_size"), Int("d_model"), Int("d_ff"), Int("d_kv"), Int("num_heads"), layers, decoderLayers,
            Int("relative_attention_num_buckets"), gated, tied);
    }

    /// <summary>Every (name, shape) of the state dict, sorted by name as save_pretrained stores them.</summary>
    public IReadOnlyList<(string Name, long[] Shape)> Tensors()
    {
        var list = new List<(string, long[])> { ("shared.weight", [VocabSize, DModel]) };
        if (!TiedEmbeddings) list.Add(("lm_head.weight", [VocabSize, DModel]));
        long inner = (long)NumHeads * DKv;
        void Attention(string prefix, bool withBias)
        {
            foreach (string p in new[] { "q", "k", "v" }) list.Add(($"{prefix}.{p}.weight", [inner, DModel]));
            list.Add(($"{prefix}.o.weight", [DModel, inner]));
            if (withBias) list.Add(($"{prefix}.relative_attention_bias.weight", [NumBuckets, NumHeads]));
        }
        void FeedForward(string prefix)
        {
            if (GatedFf)
            {
                list.Add(($"{prefix}.DenseReluDense.wi_0.weight", [DFf, DModel]));
                list.Add(($"{prefix}.DenseReluDense.wi_1.weight", [DFf, DModel]));
            }
            else list.Add(($"{prefix}.DenseReluDense.wi.weight", [DFf, DModel]));
            list.Add(($"{prefix}.DenseReluDense.wo.weight", [DModel, DFf]));
            list.Add(($"{prefix}.layer_norm.weight", [DModel]));
        }
        for (int i = 0; i < NumLayers; i++)
        {
            Attention($"encoder.block.{i}.layer.0.SelfAttention", withBias: i == 0);
            list.Add(($"encoder.block.{i}.layer.0.layer_norm.weight", [DModel]));
            FeedForward($"encoder.block.{i}.layer.1");
        }
        list.Add(("encoder.final_layer_norm.weight", [DModel]));
        for (int i = 0; i < NumDecoderLayers; i++)
        {
            Attention($"decoder.block.{i}.layer.0.SelfAttention", withBias: i == 0);
            list.Add(($"decoder.block.{i}.layer.0.layer_norm.weight", [DModel]));
            Attention($"decoder.block.{i}.layer.1.EncDecAttention", withBias: false);
            list.Add(($"decoder.block.{i}.layer.1.layer_norm.weight", [DModel]));
            FeedForward($"decoder.block.{i}.layer.2");
        }
        list.Add(("decoder.final_layer_norm.weight", [DModel]));
        return list.OrderBy(t => t.Item1, StringComparer.Ordinal).ToList();
    }
}
