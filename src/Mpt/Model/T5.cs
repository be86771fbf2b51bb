// T5 encoder-decoder (Raffel et al. 2020, JMLR 21(140)) in TorchSharp, mirroring Hugging Face transformers
// src/transformers/models/t5/modeling_t5.py at v4.40 (commit 5728b5ad) class by class, in dependency order:
// T5LayerNorm -> T5Attention -> T5DenseActDense / T5DenseGatedActDense -> T5LayerSelfAttention /
// T5LayerCrossAttention / T5LayerFF -> T5Block -> T5Stack -> T5ForConditionalGeneration.
// Module names equal HF state-dict keys, so an HF checkpoint loads with a strict key check and no name map.
// The numerics follow HF exactly (docs/testing.md §2.3 lists them): no embedding scaling, RMS norm in float32,
// no 1/sqrt(d_kv) attention scaling, relative buckets in float32, softmax in float32, dtype-min masking. The default
// fused attention kernel (AttentionKernel.Fused) computes the same attention in another order, so it agrees with HF up
// to float rounding (within the golden tolerances); AttentionKernel.Math is HF's explicit form.
//
// Dimension names used in shape comments: B batch, S encoder length, T decoder length, Tq/Tk query/key length,
// P cached (past) decoder length, H heads, Dh = d_kv, D = d_model, I = H*Dh, F = d_ff, V = vocab.
using Mpt.Checkpoints;
using Mpt.Numerics;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mpt.Model;

/// <summary>The activation functions a T5 feed-forward layer can use (HF <c>ACT2FN</c> names).</summary>
internal static class T5Activation
{
    private static readonly double Sqrt2OverPi = Math.Sqrt(2.0 / Math.PI);

    /// <summary>Applies the activation named <paramref name="name"/> (validated by <see cref="T5Config.Validate"/>).</summary>
    public static Tensor Apply(string name, Tensor x) => name switch
    {
        "relu" => F.relu(x),
        "gelu" => F.gelu(x), // exact erf form, HF GELUActivation
        // HF NewGELUActivation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); same operation order for equal rounding.
        "gelu_new" or "gelu_pytorch_tanh" => x.Times(0.5) * torch.tanh(x.Plus(x.Power(3.0).Times(0.044715)).Times(Sqrt2OverPi)).Plus(1.0),
        "gelu_fast" => x.Times(0.5) * torch.tanh(x.Times(0.7978845608) * (x.Times(0.044715) * x).Plus(1.0)).Plus(1.0),
        "quick_gelu" => x * torch.sigmoid(x.Times(1.702)),
        "silu" or "swish" => F.silu(x),
        "mish" => x * torch.tanh(F.softplus(x)),
        "tanh" => torch.tanh(x),
        "sigmoid" => torch.sigmoid(x),
        "relu6" => F.relu6(x),
        "linear" => x.alias(),
        _ => throw new NotSupportedException($"T5 activation '{name}' is not supported (expected one of {string.Join(", ", T5Config.SupportedActivations)})."),
    };
}

/// <summary>
/// T5's RMS norm: x * rsqrt(mean(x^2) + eps) * weight, no mean subtraction and no bias. The variance is taken in
/// float32 whatever the input dtype, and the result is cast back to the weight dtype for half types (HF T5LayerNorm).
/// Input (..., D) → output (..., D).
/// </summary>
public sealed class T5LayerNorm : nn.Module<Tensor, Tensor>
{
    // The field carries the state-dict name so that Module.to(...), which re-registers parameter fields by
    // ComponentName, keeps the key "weight".
    [ComponentName(Name = "weight")]
    private Parameter _weight;
    private readonly double _epsilon;

    /// <summary>Creates the norm with a weight of ones.</summary>
    public T5LayerNorm(long hiddenSize, double epsilon) : base(nameof(T5LayerNorm))
    {
        _weight = new Parameter(torch.ones(hiddenSize));
        _epsilon = epsilon;
        RegisterComponents();
    }

    /// <summary>The scale vector (D).</summary>
    public Parameter Weight => _weight;

    /// <inheritdoc/>
    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var variance = hiddenStates.to(ScalarType.Float32).Power(2).mean([-1L], keepdim: true);
        var normed = hiddenStates * torch.rsqrt(variance.Plus(_epsilon));
        if (_weight.dtype is ScalarType.Float16 or ScalarType.BFloat16)
            normed = normed.to(_weight.dtype);
        return (_weight * normed).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Key/value tensors of one attention module kept between greedy decoding steps. Self-attention caches grow by one
/// position per step; cross-attention caches are computed from the encoder output once. The cache owns its tensors
/// (they are detached from every dispose scope) and disposes the previous ones when replaced.
/// </summary>
public sealed class T5AttentionCache : IDisposable
{
    /// <summary>Cached keys (B, H, P, Dh), or null before the first step.</summary>
    public Tensor? Key { get; private set; }

    /// <summary>Cached values (B, H, P, Dh), or null before the first step.</summary>
    public Tensor? Value { get; private set; }

    /// <summary>Number of cached positions.</summary>
    public long Length => Key?.shape[2] ?? 0;

    internal void Set(Tensor key, Tensor value)
    {
        var (oldKey, oldValue) = (Key, Value);
        Key = key.DetachFromDisposeScope();
        Value = value.DetachFromDisposeScope();
        if (!ReferenceEquals(oldKey, key)) oldKey?.Dispose();
        if (!ReferenceEquals(oldValue, value)) oldValue?.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Key?.Dispose();
        Value?.Dispose();
        Key = null;
        Value = null;
    }
}

/// <summary>
/// Multi-head attention of T5 (HF T5Attention): bias-free q/k/v/o projections, heads of width d_kv (I = H*d_kv need
/// not equal D), scores = q kᵀ + position_bias (+ mask) with <b>no</b> 1/sqrt(d_kv) scaling (T5 folds it into the
/// initialisation), softmax in float32. Only block 0 of each stack owns a relative_attention_bias table.
/// </summary>
public sealed class T5Attention : nn.Module
{
    [ComponentName(Name = "q")] private readonly Linear _q;
    [ComponentName(Name = "k")] private readonly Linear _k;
    [ComponentName(Name = "v")] private readonly Linear _v;
    [ComponentName(Name = "o")] private readonly Linear _o;
    [ComponentName(Name = "relative_attention_bias")] private readonly Embedding? _relativeAttentionBias;
    private readonly bool _isDecoder;
    private readonly int _numHeads, _dKv, _numBuckets, _maxDistance;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;
    private readonly PositionBiasCache _positionBias;

    /// <summary>Creates the projections (and the bias table when <paramref name="hasRelativeAttentionBias"/>).</summary>
    public T5Attention(T5Config config, bool isDecoder, bool hasRelativeAttentionBias) : base(nameof(T5Attention))
    {
        _isDecoder = isDecoder;
        _numHeads = config.NumHeads;
        _dKv = config.DKv;
        _numBuckets = config.RelativeAttentionNumBuckets;
        _maxDistance = config.RelativeAttentionMaxDistance;
        _dropout = new BackboneDropout(config.DropoutRate);
        _q = nn.Linear(config.DModel, config.InnerDim, hasBias: false);
        _k = nn.Linear(config.DModel, config.InnerDim, hasBias: false);
        _v = nn.Linear(config.DModel, config.InnerDim, hasBias: false);
        _o = nn.Linear(config.InnerDim, config.DModel, hasBias: false);
        if (hasRelativeAttentionBias) _relativeAttentionBias = nn.Embedding(_numBuckets, _numHeads);
        _positionBias = new PositionBiasCache(LookUpBias);
        RegisterComponents();
    }

    /// <summary>Side of the cached position-bias square (0 when nothing is cached); see <see cref="ComputeBias"/>.</summary>
    internal long CachedBiasLength => _positionBias.Length;

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _positionBias.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Every <c>Module.to</c> (dtype or device) ends here: the cached bias belongs to the old table.</summary>
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        _positionBias.Clear();
        base._toEpilog(dtype, device, non_blocking);
    }

    /// <summary>True when this module owns the relative-position table (block 0 self-attention).</summary>
    public bool HasRelativeAttentionBias => _relativeAttentionBias is not null;

    /// <summary>How <see cref="forward"/> computes attention; <see cref="AttentionKernel.Fused"/> unless changed.</summary>
    public AttentionKernel Kernel { get; set; } = AttentionKernel.Fused;

    /// <summary>
    /// HF <c>_relative_position_bucket</c>: maps relative positions (key - query) to bucket ids. Half of the buckets
    /// (bidirectional: per direction) hold exact small distances, the rest grow logarithmically up to max_distance;
    /// the logarithm is evaluated in float32 like HF so bucket boundaries agree exactly.
    /// </summary>
    public static Tensor RelativePositionBucket(Tensor relativePosition, bool bidirectional, int numBuckets, int maxDistance)
    {
        using var scope = NewDisposeScope();
        var buckets = torch.zeros_like(relativePosition, dtype: ScalarType.Int64);
        var distance = relativePosition;
        if (bidirectional)
        {
            numBuckets /= 2;
            buckets = buckets.Plus(relativePosition.Greater(0).to(ScalarType.Int64).Times(numBuckets));
            distance = relativePosition.abs();
        }
        else
        {
            // Future keys (rel > 0) all fall in bucket 0; only past distances are resolved.
            distance = -torch.minimum(relativePosition, torch.zeros_like(relativePosition));
        }
        int maxExact = numBuckets / 2;
        var isSmall = distance.Less(maxExact);
        var ifLarge = torch.log(distance.to(ScalarType.Float32).Over(maxExact))
                       .Over(Math.Log((double)maxDistance / maxExact))
                       .Times(numBuckets - maxExact).to(ScalarType.Int64).Plus(maxExact);
        ifLarge = torch.minimum(ifLarge, ScalarSafeOps.FullLike(ifLarge, numBuckets - 1));
        buckets = buckets.Plus(torch.where(isSmall, distance, ifLarge));
        return buckets.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Position bias (1, H, Tq, Tk) for queries at positions queryOffset..queryOffset+Tq-1 and keys 0..Tk-1
    /// (HF compute_bias; with a cache HF computes the full square and keeps the last Tq rows, which is the same).
    /// While the table is frozen (no requires_grad) the result is a read-only view of a cached square: do not modify it
    /// in place.
    /// </summary>
    public Tensor ComputeBias(long queryLength, long keyLength, long queryOffset = 0)
    {
        if (_relativeAttentionBias is null)
            throw new InvalidOperationException("Only the first block's self-attention has a relative_attention_bias table.");
        return _positionBias.Get(_relativeAttentionBias.weight!, queryLength, keyLength, queryOffset);
    }

    /// <summary>Forgets the cached position bias (after the table's values changed in place, e.g. a checkpoint load).</summary>
    internal void ClearPositionBiasCache() => _positionBias.Clear();

    /// <summary>
    /// The bias table lookup itself: bias[h, i, j] = table[bucket(j - i), h] for query positions
    /// queryOffset..queryOffset+Tq-1 and key positions 0..Tk-1. Returns (1, H, Tq, Tk).
    /// </summary>
    private Tensor LookUpBias(long queryLength, long keyLength, long queryOffset)
    {
        using var scope = NewDisposeScope();
        var device = _relativeAttentionBias!.weight!.device;
        var context = ScalarSafeOps.Range(queryOffset, queryOffset + queryLength, ScalarType.Int64, device).unsqueeze(1); // (Tq, 1)
        var memory = ScalarSafeOps.Range(0L, keyLength, ScalarType.Int64, device).unsqueeze(0);                     // (1, Tk)
        var buckets = RelativePositionBucket(memory - context, bidirectional: !_isDecoder, _numBuckets, _maxDistance);
        var values = _relativeAttentionBias.call(buckets);                                                          // (Tq, Tk, H)
        return values.permute(2, 0, 1).unsqueeze(0).MoveToOuterDisposeScope();                                      // (1, H, Tq, Tk)
    }

    /// <summary>
    /// Attention of <paramref name="hiddenStates"/> (B, Tq, D) over itself (keyValueStates null) or over
    /// <paramref name="keyValueStates"/> (B, Tk, D); <paramref name="positionBias"/> broadcasts to (B, H, Tq, Tk) and
    /// already contains the additive mask. With a <paramref name="cache"/>, self-attention appends this step's keys
    /// and values to it and cross-attention computes them once. Returns (B, Tq, D).
    /// </summary>
    public Tensor forward(Tensor hiddenStates, Tensor? keyValueStates, Tensor positionBias, T5AttentionCache? cache)
    {
        using var scope = NewDisposeScope();
        long batch = hiddenStates.shape[0];
        Tensor SplitHeads(Tensor x) => x.view(batch, -1, _numHeads, _dKv).transpose(1, 2);                          // (B, H, L, Dh)

        var query = SplitHeads(_q.call(hiddenStates));                                                              // (B, H, Tq, Dh)
        Tensor key, value;
        if (keyValueStates is null)
        {
            key = SplitHeads(_k.call(hiddenStates));
            value = SplitHeads(_v.call(hiddenStates));
            if (cache is not null)
            {
                if (cache.Key is not null)
                {
                    key = torch.cat([cache.Key, key], 2);                                                           // (B, H, P+Tq, Dh)
                    value = torch.cat([cache.Value!, value], 2);
                }
                cache.Set(key, value);
            }
        }
        else if (cache?.Key is not null)
        {
            (key, value) = (cache.Key, cache.Value!);
        }
        else
        {
            key = SplitHeads(_k.call(keyValueStates));                                                              // (B, H, Tk, Dh)
            value = SplitHeads(_v.call(keyValueStates));
            cache?.Set(key, value);
        }

        var attended = UsesFusedKernel(positionBias)
            ? FusedAttention(query, key, value, positionBias)
            : MathAttention(query, key, value, positionBias);                                                      // (B, H, Tq, Dh)
        var context = attended.transpose(1, 2).contiguous().view(batch, -1, (long)_numHeads * _dKv);              // (B, Tq, I)
        return _o.call(context).MoveToOuterDisposeScope();                                                          // (B, Tq, D)
    }

    /// <summary>
    /// Whether this call may take the fused kernel: chosen, no active dropout on the attention weights (its masks must
    /// come from <see cref="BackboneDropout"/>), gradients not needed for the bias (the fused kernel treats its mask as
    /// a constant), and a bias in the query dtype (the kernel requires it).
    /// </summary>
    internal bool UsesFusedKernel(Tensor positionBias) =>
        Kernel == AttentionKernel.Fused
        && !(_dropout.training && _dropout.Rate > 0)
        && !(positionBias.requires_grad && torch.is_grad_enabled())
        && positionBias.dtype == _q.weight!.dtype;

    /// <summary>HF T5Attention: softmax(q kᵀ + bias) v with the scores' softmax in float32 and dropout on the weights.</summary>
    private Tensor MathAttention(Tensor query, Tensor key, Tensor value, Tensor positionBias)
    {
        var scores = torch.matmul(query, key.transpose(3, 2)).Plus(positionBias);                                  // (B, H, Tq, Tk)
        var weights = F.softmax(scores.to(ScalarType.Float32), -1).to(scores.dtype);
        weights = _dropout.call(weights);
        return torch.matmul(weights, value);                                                                        // (B, H, Tq, Dh)
    }

    /// <summary>
    /// The same function through libtorch's scaled_dot_product_attention with the bias as additive float mask. That
    /// op scales q kᵀ by 1/sqrt(Dh) and TorchSharp 0.107 does not pass a <c>scale</c> argument, while T5 does not scale
    /// (the factor is folded into the initialisation: HF T5PreTrainedModel._init_weights, after Mesh TensorFlow); so q is multiplied by
    /// sqrt(Dh) first. For Dh = 64 (every released T5) that factor is 8, a power of two, so the pre-scaling is exact.
    /// The CPU kernel accumulates the softmax in float32 for half types, as HF's explicit float32 softmax does.
    /// </summary>
    private Tensor FusedAttention(Tensor query, Tensor key, Tensor value, Tensor positionBias) =>
        F.scaled_dot_product_attention(query.Times(System.Math.Sqrt(_dKv)), key, value, positionBias, 0.0, false); // (B, H, Tq, Dh)
}

/// <summary>T5 v1.0 feed-forward (HF T5DenseActDense): wo(dropout(act(wi x))). (B, L, D) → (B, L, D).</summary>
public sealed class T5DenseActDense : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "wi")] private readonly Linear _wi;
    [ComponentName(Name = "wo")] private readonly Linear _wo;
    private readonly string _activation;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;

    /// <summary>Creates wi (D→F) and wo (F→D), both without bias.</summary>
    public T5DenseActDense(T5Config config) : base(nameof(T5DenseActDense))
    {
        _wi = nn.Linear(config.DModel, config.DFf, hasBias: false);
        _wo = nn.Linear(config.DFf, config.DModel, hasBias: false);
        _activation = config.DenseActFn;
        _dropout = new BackboneDropout(config.DropoutRate);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var h = _dropout.call(T5Activation.Apply(_activation, _wi.call(hiddenStates)));                                 // (B, L, F)
        // HF casts to wo's dtype when they differ (e.g. a float32 wo kept for stability in a half model).
        if (h.dtype != _wo.weight!.dtype) h = h.to(_wo.weight!.dtype);
        return _wo.call(h).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// T5 v1.1 / Flan gated feed-forward (HF T5DenseGatedActDense): wo(dropout(act(wi_0 x) * wi_1 x)).
/// (B, L, D) → (B, L, D).
/// </summary>
public sealed class T5DenseGatedActDense : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "wi_0")] private readonly Linear _wi0;
    [ComponentName(Name = "wi_1")] private readonly Linear _wi1;
    [ComponentName(Name = "wo")] private readonly Linear _wo;
    private readonly string _activation;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;

    /// <summary>Creates wi_0, wi_1 (D→F) and wo (F→D), all without bias.</summary>
    public T5DenseGatedActDense(T5Config config) : base(nameof(T5DenseGatedActDense))
    {
        _wi0 = nn.Linear(config.DModel, config.DFf, hasBias: false);
        _wi1 = nn.Linear(config.DModel, config.DFf, hasBias: false);
        _wo = nn.Linear(config.DFf, config.DModel, hasBias: false);
        _activation = config.DenseActFn;
        _dropout = new BackboneDropout(config.DropoutRate);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var gate = T5Activation.Apply(_activation, _wi0.call(hiddenStates));                                       // (B, L, F)
        var h = _dropout.call(gate * _wi1.call(hiddenStates));
        if (h.dtype != _wo.weight!.dtype) h = h.to(_wo.weight!.dtype);
        return _wo.call(h).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-norm residual self-attention sub-layer (HF T5LayerSelfAttention): h + dropout(attn(norm(h))).</summary>
public sealed class T5LayerSelfAttention : nn.Module
{
    [ComponentName(Name = "SelfAttention")] private readonly T5Attention _selfAttention;
    [ComponentName(Name = "layer_norm")] private readonly T5LayerNorm _layerNorm;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;

    /// <summary>Creates the sub-layer; block 0 owns the relative-position table.</summary>
    public T5LayerSelfAttention(T5Config config, bool isDecoder, bool hasRelativeAttentionBias) : base(nameof(T5LayerSelfAttention))
    {
        _selfAttention = new T5Attention(config, isDecoder, hasRelativeAttentionBias);
        _layerNorm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon);
        _dropout = new BackboneDropout(config.DropoutRate);
        RegisterComponents();
    }

    /// <summary>The attention module (owner of the relative-position table in block 0).</summary>
    public T5Attention SelfAttention => _selfAttention;

    /// <summary>(B, T, D) → (B, T, D); <paramref name="positionBias"/> includes the mask.</summary>
    public Tensor forward(Tensor hiddenStates, Tensor positionBias, T5AttentionCache? cache)
    {
        using var scope = NewDisposeScope();
        var attended = _selfAttention.forward(_layerNorm.call(hiddenStates), null, positionBias, cache);
        return hiddenStates.Plus(_dropout.call(attended)).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-norm residual cross-attention sub-layer of the decoder (HF T5LayerCrossAttention).</summary>
public sealed class T5LayerCrossAttention : nn.Module
{
    [ComponentName(Name = "EncDecAttention")] private readonly T5Attention _encDecAttention;
    [ComponentName(Name = "layer_norm")] private readonly T5LayerNorm _layerNorm;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;

    /// <summary>Creates the sub-layer (cross-attention has no relative-position bias).</summary>
    public T5LayerCrossAttention(T5Config config) : base(nameof(T5LayerCrossAttention))
    {
        _encDecAttention = new T5Attention(config, isDecoder: true, hasRelativeAttentionBias: false);
        _layerNorm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon);
        _dropout = new BackboneDropout(config.DropoutRate);
        RegisterComponents();
    }

    /// <summary>(B, T, D) attending over the encoder output (B, S, D); <paramref name="encoderMask"/> is the additive
    /// (B, 1, 1, S) encoder mask (HF adds it to a zero position bias, which is the same). Returns (B, T, D).</summary>
    public Tensor forward(Tensor hiddenStates, Tensor encoderHiddenStates, Tensor encoderMask, T5AttentionCache? cache)
    {
        using var scope = NewDisposeScope();
        var attended = _encDecAttention.forward(_layerNorm.call(hiddenStates), encoderHiddenStates, encoderMask, cache);
        return hiddenStates.Plus(_dropout.call(attended)).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-norm residual feed-forward sub-layer (HF T5LayerFF): h + dropout(ff(norm(h))).</summary>
public sealed class T5LayerFF : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "DenseReluDense")] private readonly nn.Module<Tensor, Tensor> _denseReluDense;
    [ComponentName(Name = "layer_norm")] private readonly T5LayerNorm _layerNorm;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;

    /// <summary>Creates a gated or plain feed-forward according to <see cref="T5Config.IsGatedAct"/>.</summary>
    public T5LayerFF(T5Config config) : base(nameof(T5LayerFF))
    {
        _denseReluDense = config.IsGatedAct ? new T5DenseGatedActDense(config) : new T5DenseActDense(config);
        _layerNorm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon);
        _dropout = new BackboneDropout(config.DropoutRate);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var transformed = _denseReluDense.call(_layerNorm.call(hiddenStates));
        return hiddenStates.Plus(_dropout.call(transformed)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// One T5 block (HF T5Block): layer.0 self-attention, (decoder only) layer.1 cross-attention, then the feed-forward
/// as the last layer. (B, T, D) → (B, T, D).
/// </summary>
public sealed class T5Block : nn.Module
{
    // HF keeps the sub-layers in one list: layer.0 self-attention, layer.1 cross-attention (decoder), then FF.
    // Typed views are properties over the list, not fields, so they are not registered a second time.
    [ComponentName(Name = "layer")] private readonly ModuleList<nn.Module> _layer;
    private readonly bool _isDecoder;

    /// <summary>Creates the block; only block 0 (<paramref name="hasRelativeAttentionBias"/>) owns the position table.</summary>
    public T5Block(T5Config config, bool isDecoder, bool hasRelativeAttentionBias) : base(nameof(T5Block))
    {
        _isDecoder = isDecoder;
        var layers = new List<nn.Module> { new T5LayerSelfAttention(config, isDecoder, hasRelativeAttentionBias) };
        if (isDecoder) layers.Add(new T5LayerCrossAttention(config));
        layers.Add(new T5LayerFF(config));
        _layer = new ModuleList<nn.Module>(layers.ToArray());
        RegisterComponents();
    }

    /// <summary>The self-attention sub-layer (layer.0).</summary>
    public T5LayerSelfAttention SelfAttentionLayer => (T5LayerSelfAttention)_layer[0];

    private T5LayerCrossAttention? CrossAttentionLayer => _isDecoder ? (T5LayerCrossAttention)_layer[1] : null;

    private T5LayerFF FeedForwardLayer => (T5LayerFF)_layer[_isDecoder ? 2 : 1];

    /// <summary>Runs the block. Decoder blocks need <paramref name="encoderHiddenStates"/> and <paramref name="encoderMask"/>.</summary>
    public Tensor forward(Tensor hiddenStates, Tensor positionBias, Tensor? encoderHiddenStates, Tensor? encoderMask,
                          T5AttentionCache? selfCache, T5AttentionCache? crossCache)
    {
        using var scope = NewDisposeScope();
        var h = ClampForHalf(SelfAttentionLayer.forward(hiddenStates, positionBias, selfCache));
        if (CrossAttentionLayer is { } crossAttentionLayer)
        {
            if (encoderHiddenStates is null || encoderMask is null)
                throw new ArgumentException("A decoder block needs the encoder output and its mask.");
            h = ClampForHalf(crossAttentionLayer.forward(h, encoderHiddenStates, encoderMask, crossCache));
        }
        h = ClampForHalf(FeedForwardLayer.call(h));
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>HF clamps float16 activations just inside the finite range after every sub-layer to stop inf
    /// overflow (T5 activations grow large); other dtypes are untouched.</summary>
    private static Tensor ClampForHalf(Tensor h)
    {
        if (h.dtype != ScalarType.Float16) return h;
        double max = torch.finfo(ScalarType.Float16).max;
        double clamp = h.isinf().any().item<bool>() ? max - 1000 : max;
        return h.Between(-clamp, clamp);
    }
}

/// <summary>Output of a stack: the final (normed) hidden state and, when asked, every hidden state.</summary>
internal sealed record T5StackOutput(Tensor LastHiddenState, IReadOnlyList<Tensor>? HiddenStates);

/// <summary>
/// A stack of T5 blocks plus final_layer_norm (HF T5Stack). The token embedding is owned by the parent model
/// (<c>shared</c>), so the stack takes embeddings. The relative position bias is computed once from block 0's table
/// and reused by every block, with the additive mask folded in.
/// </summary>
internal sealed class T5Stack : nn.Module
{
    [ComponentName(Name = "block")] private readonly ModuleList<T5Block> _block;
    [ComponentName(Name = "final_layer_norm")] private readonly T5LayerNorm _finalLayerNorm;
    private readonly bool _isDecoder;
    [ComponentName(Name = "dropout")] private readonly BackboneDropout _dropout;

    public T5Stack(T5Config config, bool isDecoder) : base(isDecoder ? "T5Decoder" : "T5Encoder")
    {
        _isDecoder = isDecoder;
        _dropout = new BackboneDropout(config.DropoutRate);
        int count = isDecoder ? config.NumDecoderLayers : config.NumLayers;
        _block = new ModuleList<T5Block>(Enumerable.Range(0, count).Select(i => new T5Block(config, isDecoder, hasRelativeAttentionBias: i == 0)).ToArray());
        _finalLayerNorm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon);
        RegisterComponents();
    }

    public int BlockCount => _block.Count;

    /// <summary>Recompute each block in the backward instead of keeping its activations (<see cref="BlockCheckpoint"/>).</summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>The relative-position owner (block 0 self-attention).</summary>
    public T5Attention PositionBiasOwner => _block[0].SelfAttentionLayer.SelfAttention;

    /// <summary>
    /// Encoder: <paramref name="selfMask"/> is the additive (B, 1, 1, S) padding mask. Decoder: selfMask is the
    /// additive causal mask (1, 1, T, P+T) and <paramref name="encoderMask"/> the additive encoder mask.
    /// <paramref name="caches"/> (decoder generation only) holds [self, cross] per block.
    /// </summary>
    public T5StackOutput forward(Tensor inputsEmbeds, Tensor selfMask, Tensor? encoderHiddenStates, Tensor? encoderMask,
                                 bool outputHiddenStates, T5DecoderCache? caches)
    {
        long length = inputsEmbeds.shape[1];
        long past = caches?.Length ?? 0;
        // HF: position_bias = compute_bias(...) + extended mask, once per stack, reused in every block.
        var positionBias = PositionBiasOwner.ComputeBias(length, past + length, queryOffset: past).Plus(selfMask); // (B|1, H, T, P+T)

        var hiddenStates = outputHiddenStates ? new List<Tensor>() : null;
        var h = _dropout.call(inputsEmbeds);
        for (int i = 0; i < _block.Count; i++)
        {
            hiddenStates?.Add(h);
            var block = _block[i];
            // Generation's key/value caches are filled as a side effect, which a recomputation would repeat.
            h = ActivationCheckpointing && caches is null
                ? BlockCheckpoint.Run(block, x => block.forward(x[0]!, x[1]!, x[2], x[3], null, null), h, positionBias, encoderHiddenStates, encoderMask)
                : block.forward(h, positionBias, encoderHiddenStates, encoderMask, caches?.Self[i], caches?.Cross[i]);
        }
        h = _dropout.call(_finalLayerNorm.call(h));
        hiddenStates?.Add(h);
        return new T5StackOutput(h, hiddenStates);
    }
}

/// <summary>The key/value caches of every decoder block during greedy generation.</summary>
public sealed class T5DecoderCache : IDisposable
{
    private readonly bool _ownsCross = true;

    /// <summary>Creates empty caches for <paramref name="blocks"/> decoder blocks.</summary>
    public T5DecoderCache(int blocks)
    {
        Self = Enumerable.Range(0, blocks).Select(_ => new T5AttentionCache()).ToArray();
        Cross = Enumerable.Range(0, blocks).Select(_ => new T5AttentionCache()).ToArray();
    }

    /// <summary>Empty self-attention caches over cross-attention caches owned by <paramref name="cross"/>.</summary>
    internal T5DecoderCache(T5CrossAttentionCache cross)
    {
        Self = Enumerable.Range(0, cross.Blocks.Count).Select(_ => new T5AttentionCache()).ToArray();
        Cross = cross.Blocks;
        _ownsCross = false;
    }

    /// <summary>Self-attention caches, one per block.</summary>
    public IReadOnlyList<T5AttentionCache> Self { get; }

    /// <summary>Cross-attention caches, one per block (filled at the first step).</summary>
    public IReadOnlyList<T5AttentionCache> Cross { get; }

    /// <summary>Number of decoder positions already cached.</summary>
    public long Length => Self[0].Length;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var c in Self) c.Dispose();
        if (_ownsCross) foreach (var c in Cross) c.Dispose();
    }
}

/// <summary>
/// The cross-attention keys and values of every decoder block for one encoder output, computed on first use and reused
/// by every later teacher-forced decoder pass over the same encoder output
/// (<see cref="T5ForConditionalGeneration.DecoderLogits"/>). Rank classification scores several label strings against
/// one batch: the k/v projections of the encoder positions are the bulk of a short decoder pass (6 layers × 2
/// projections of B·S positions at t5-small), and they do not depend on the label. Reused values are the very tensors
/// a fresh pass would compute, so scores are unchanged.
/// </summary>
public sealed class T5CrossAttentionCache : IDisposable
{
    private Tensor? _encoderHiddenStates;

    internal T5CrossAttentionCache(int blocks) => Blocks = Enumerable.Range(0, blocks).Select(_ => new T5AttentionCache()).ToArray();

    internal IReadOnlyList<T5AttentionCache> Blocks { get; }

    /// <summary>Binds the cache to one encoder output; another one would read stale keys and values.</summary>
    internal void CheckEncoderOutput(Tensor encoderHiddenStates)
    {
        _encoderHiddenStates ??= encoderHiddenStates;
        if (!ReferenceEquals(_encoderHiddenStates, encoderHiddenStates))
            throw new InvalidOperationException("This cross-attention cache holds the keys and values of another encoder output; use one cache per encoder output.");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var c in Blocks) c.Dispose();
        _encoderHiddenStates = null;
    }
}

/// <summary>Encoder output: last hidden state (B, S, D) and, when asked, HF's hidden_states tuple
/// ([0] = embeddings, [i] = output of block i-1, [L] = final_layer_norm output).</summary>
public sealed record T5EncoderOutput(Tensor LastHiddenState, IReadOnlyList<Tensor>? HiddenStates);

/// <summary>Output of <see cref="T5ForConditionalGeneration.Forward"/>.</summary>
/// <param name="Loss">Mean cross-entropy over labels != -100 (scalar), or null without labels.</param>
/// <param name="Logits">LM logits (B, T, V).</param>
/// <param name="EncoderLastHiddenState">Encoder output (B, S, D).</param>
/// <param name="DecoderLastHiddenState">Decoder output after final_layer_norm, before the tied-embedding scaling (B, T, D).</param>
/// <param name="EncoderHiddenStates">Encoder hidden states (L+1 entries) when asked, else null.</param>
/// <param name="DecoderHiddenStates">Decoder hidden states (Ld+1 entries) when asked, else null.</param>
public sealed record T5Seq2SeqOutput(
    Tensor? Loss,
    Tensor Logits,
    Tensor EncoderLastHiddenState,
    Tensor DecoderLastHiddenState,
    IReadOnlyList<Tensor>? EncoderHiddenStates,
    IReadOnlyList<Tensor>? DecoderHiddenStates);

/// <summary>Greedy decoding result: Sequences (B, 1+n) starting with decoder_start_token_id; StepLogits (B, n, V)
/// (the raw logits that chose token t+1 at step t) when asked, else null.</summary>
public sealed record GreedyOutput(Tensor Sequences, Tensor? StepLogits);

/// <summary>
/// T5 encoder-decoder with a language-model head (HF T5ForConditionalGeneration). State-dict keys equal HF's
/// save_pretrained keys: <c>shared.weight</c>, <c>encoder.*</c>, <c>decoder.*</c>, and <c>lm_head.weight</c> only when
/// the embeddings are untied (HF's encoder/decoder.embed_tokens are the same module as <c>shared</c> and are not
/// registered twice). All forward methods allocate in the caller's dispose scope: wrap calls in
/// <c>torch.NewDisposeScope()</c>.
/// </summary>
public sealed class T5ForConditionalGeneration : nn.Module
{
    // HF _keys_to_ignore_on_load_unexpected: old checkpoints carry an unused cross-attention bias table.
    private const string LegacyCrossAttentionBiasKey = "decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight";

    [ComponentName(Name = "shared")] private readonly Embedding _shared;
    [ComponentName(Name = "encoder")] private readonly T5Stack _encoder;
    [ComponentName(Name = "decoder")] private readonly T5Stack _decoder;
    [ComponentName(Name = "lm_head")] private readonly Linear? _lmHead; // only when untied; tied heads use shared.weight

    /// <summary>Creates a randomly initialised model (TorchSharp default init; load weights with
    /// <see cref="LoadStateDict"/> or use <see cref="FromPretrained"/>).</summary>
    public T5ForConditionalGeneration(T5Config config) : base(nameof(T5ForConditionalGeneration))
    {
        config.Validate();
        Config = config;
        _shared = nn.Embedding(config.VocabSize, config.DModel);
        _encoder = new T5Stack(config, isDecoder: false);
        _decoder = new T5Stack(config, isDecoder: true);
        if (!config.TieWordEmbeddings) _lmHead = nn.Linear(config.DModel, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>The configuration the model was built from.</summary>
    public T5Config Config { get; }

    /// <summary>
    /// How every dropout of the model (embeddings, attention weights, sub-layer outputs, feed-forward hidden layer,
    /// final norms; HF's places) draws its masks in training mode. <see cref="Model.DropoutKernel.Exact"/> (default)
    /// is <c>F.dropout</c>; <see cref="Model.DropoutKernel.ParallelChunks"/> draws them on several threads with a
    /// different random stream. Eval mode is unaffected.
    /// </summary>
    public DropoutKernel DropoutKernel
    {
        get => BackboneDropout.GetKernel(this);
        set => BackboneDropout.SetKernel(this, value);
    }

    /// <summary>
    /// How every attention module of the model computes attention. <see cref="Model.AttentionKernel.Fused"/> (default)
    /// uses libtorch's fused kernel wherever it computes the same function (not under active attention dropout, not
    /// when the position-bias table trains); <see cref="Model.AttentionKernel.Math"/> always runs HF's explicit form.
    /// </summary>
    /// <exception cref="InvalidOperationException">The modules disagree (set them through this property).</exception>
    public AttentionKernel AttentionKernel
    {
        get
        {
            var kernels = modules().OfType<T5Attention>().Select(a => a.Kernel).Distinct().ToList();
            return kernels.Count == 1
                ? kernels[0]
                : throw new InvalidOperationException($"The attention modules of the model use different kernels ({string.Join(", ", kernels)}).");
        }
        set
        {
            foreach (var attention in modules().OfType<T5Attention>()) attention.Kernel = value;
        }
    }

    /// <summary>
    /// Activation checkpointing of the encoder and decoder blocks (<see cref="BlockCheckpoint"/>; off by default): while
    /// gradients are recorded, each block keeps only its inputs and is run again in the backward, so a training step's
    /// peak memory holds the block boundaries plus one block's activations rather than every block's, for about one
    /// more forward of compute. Gradients and dropout masks are those without checkpointing (the recomputation replays
    /// the generator state of the first forward). Inference and generation are unaffected.
    /// </summary>
    public bool ActivationCheckpointing
    {
        get => _encoder.ActivationCheckpointing;
        set => _encoder.ActivationCheckpointing = _decoder.ActivationCheckpointing = value;
    }

    /// <summary>The shared token embedding table (V, D), also the LM head when tied.</summary>
    public Parameter SharedWeight => _shared.weight!;

    private ScalarType ModelDType => _shared.weight!.dtype;

    /// <summary>Token embeddings shared.weight[ids]: (B, S) int64 → (B, S, D). No sqrt(d_model) scaling (T5).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, vocab_size).</exception>
    public Tensor EmbedTokens(Tensor inputIds)
    {
        TokenIdRange.Check(inputIds, Config.VocabSize, "T5");
        return _shared.call(inputIds);
    }

    /// <summary>
    /// Runs the encoder on token ids (B, S) or on embeddings (B, S, D) — exactly one of them; embeddings are how
    /// prompt tuning prepends a soft prompt. <paramref name="attentionMask"/> (B, S): 1 = attend, 0 = padding.
    /// </summary>
    public T5EncoderOutput Encode(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, bool outputHiddenStates = false)
    {
        if ((inputIds is null) == (inputsEmbeds is null))
            throw new ArgumentException("Pass exactly one of inputIds and inputsEmbeds.");
        // No dispose scope here: the outputs (and HiddenStates[0], which is the caller's inputsEmbeds in eval mode)
        // live in the caller's scope; each block frees its own intermediates.
        var embeds = inputsEmbeds ?? EmbedTokens(inputIds!);                                                       // (B, S, D)
        CheckMask(attentionMask, embeds.shape[0], embeds.shape[1], nameof(attentionMask));
        var output = _encoder.forward(embeds, ExtendedEncoderMask(attentionMask), null, null, outputHiddenStates, null);
        return new T5EncoderOutput(output.LastHiddenState, output.HiddenStates);
    }

    /// <summary>
    /// Full forward pass (HF T5ForConditionalGeneration.forward). Decoder input: <paramref name="decoderInputIds"/>
    /// (B, T), or <c>ShiftRight(labels)</c> when it is null. <paramref name="encoderOutput"/> skips the encoder
    /// (<paramref name="attentionMask"/> is still the cross-attention mask). Loss: mean cross-entropy over every label
    /// != -100 of the batch.
    /// </summary>
    public T5Seq2SeqOutput Forward(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, Tensor? decoderInputIds,
                                   Tensor? labels, bool outputHiddenStates = false, T5EncoderOutput? encoderOutput = null)
    {
        if (decoderInputIds is null && labels is null)
            throw new ArgumentException("Pass decoderInputIds or labels (the decoder input is then shift_right(labels)).");
        var encoded = encoderOutput ?? Encode(inputIds, inputsEmbeds, attentionMask, outputHiddenStates);
        var decoderIds = decoderInputIds ?? ShiftRight(labels!, Config.RequireDecoderStartTokenId(), Config.PadTokenId);
        var decoded = RunDecoder(decoderIds, encoded.LastHiddenState, attentionMask, outputHiddenStates, null);
        var logits = LmLogits(decoded.LastHiddenState);                                                             // (B, T, V)
        Tensor? loss = null;
        if (labels is not null)
        {
            long vocab = logits.shape[^1];
            loss = F.cross_entropy(logits.view(-1, vocab), labels.to(ScalarType.Int64, logits.device).view(-1), ignore_index: -100);
        }
        return new T5Seq2SeqOutput(loss, logits, encoded.LastHiddenState, decoded.LastHiddenState,
                                   encoded.HiddenStates, decoded.HiddenStates);
    }

    /// <summary>An empty cache of cross-attention keys and values, for <see cref="DecoderLogits"/>; the caller disposes it.</summary>
    public T5CrossAttentionCache NewCrossAttentionCache() => new(_decoder.BlockCount);

    /// <summary>
    /// Decoder logits (B, T, V) of teacher-forced <paramref name="decoderInputIds"/> (B, T) over
    /// <paramref name="encoderHiddenStates"/> (B, S, D) with cross-attention mask <paramref name="attentionMask"/> (B, S):
    /// the decoder half of <see cref="Forward"/>, with the cross-attention keys and values taken from
    /// <paramref name="crossAttention"/> (computed there on the first call for this encoder output). Equal to
    /// <c>Forward(..., encoderOutput).Logits</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The cache was filled for another encoder output.</exception>
    public Tensor DecoderLogits(Tensor decoderInputIds, Tensor encoderHiddenStates, Tensor attentionMask, T5CrossAttentionCache crossAttention)
    {
        ArgumentNullException.ThrowIfNull(crossAttention);
        crossAttention.CheckEncoderOutput(encoderHiddenStates);
        using var cache = new T5DecoderCache(crossAttention);
        var decoded = RunDecoder(decoderInputIds, encoderHiddenStates, attentionMask, false, cache);
        return LmLogits(decoded.LastHiddenState);
    }

    /// <summary>
    /// HF <c>_shift_right</c>: decoder inputs = [start, labels[:, :-1]] with -100 replaced by pad. (B, T) → (B, T).
    /// </summary>
    public static Tensor ShiftRight(Tensor labels, long decoderStartTokenId, long padTokenId)
    {
        using var scope = NewDisposeScope();
        long batch = labels.shape[0], length = labels.shape[1];
        var start = torch.full(batch, 1, decoderStartTokenId, ScalarType.Int64, labels.device);
        var shifted = torch.cat([start, labels.to(ScalarType.Int64).narrow(1, 0, length - 1)], 1);
        return shifted.FilledWhere(shifted.EqualTo(-100), padTokenId).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Greedy decoding with a key/value cache, following HF generate: start with decoder_start_token_id; each step
    /// appends argmax of the last position's logits; once a row has produced eos every later token of that row is pad;
    /// stop when every row is finished or after <paramref name="maxNewTokens"/> tokens. Runs without gradients.
    /// <paramref name="encoderOutput"/> skips the encoder, as in <see cref="Forward"/> (<paramref name="attentionMask"/>
    /// is then the cross-attention mask): a caller that already encoded the batch, e.g. to also rank-classify some rows, decodes from it.
    /// </summary>
    public GreedyOutput Generate(Tensor? inputIds, Tensor? inputsEmbeds, Tensor attentionMask, int maxNewTokens, bool returnStepLogits = false,
                                 T5EncoderOutput? encoderOutput = null)
    {
        if (maxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(maxNewTokens), "must be >= 0");
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var encoded = (encoderOutput ?? Encode(inputIds, inputsEmbeds, attentionMask)).LastHiddenState;          // (B, S, D)
        long batch = encoded.shape[0];
        var device = encoded.device;
        var encoderMask = ExtendedEncoderMask(attentionMask);
        var tokens = new List<Tensor> { torch.full(batch, 1, Config.RequireDecoderStartTokenId(), ScalarType.Int64, device) };
        var stepLogits = new List<Tensor>();
        var unfinished = torch.ones(batch, ScalarType.Int64, device);
        using var cache = new T5DecoderCache(_decoder.BlockCount);
        for (int step = 0; step < maxNewTokens; step++)
        {
            using var stepScope = NewDisposeScope();
            var current = tokens[^1];                                                                              // (B, 1)
            var decoded = _decoder.forward(EmbedTokens(current), CausalMask(1, cache.Length, device), encoded, encoderMask, false, cache);
            var logits = LmLogits(decoded.LastHiddenState).select(1, -1);                                         // (B, V)
            var next = logits.argmax(-1);                                                                          // (B)
            next = (next * unfinished).Plus(unfinished.SubtractedFrom(1).Times(Config.PadTokenId));
            unfinished = (unfinished * next.NotEqualTo(Config.EosTokenId).to(ScalarType.Int64)).MoveToOuterDisposeScope();
            tokens.Add(next.unsqueeze(1).MoveToOuterDisposeScope());
            if (returnStepLogits) stepLogits.Add(logits.unsqueeze(1).MoveToOuterDisposeScope());
            if (unfinished.max().item<long>() == 0) break;
        }
        var sequences = torch.cat(tokens, 1).MoveToOuterDisposeScope();                                           // (B, 1+n)
        Tensor? allLogits = null;
        if (returnStepLogits)
            allLogits = (stepLogits.Count > 0
                ? torch.cat(stepLogits, 1)
                : torch.empty([batch, 0, Config.VocabSize], ModelDType, device)).MoveToOuterDisposeScope();        // (B, n, V)
        return new GreedyOutput(sequences, allLogits);
    }

    /// <summary>
    /// Loads an HF state dict strictly. HF ties are applied: <c>encoder/decoder.embed_tokens.weight</c> are aliases of
    /// <c>shared.weight</c>; with tied embeddings a <c>lm_head.weight</c> entry is ignored (HF re-ties lm_head to shared);
    /// HF's ignored legacy key <c>decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight</c> is skipped.
    /// Values are converted to the model's dtype/device and copied without gradient tracking.
    /// </summary>
    /// <exception cref="InvalidDataException">Lists every missing, unexpected and mis-shaped key at once.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> checkpoint)
    {
        var parameters = named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var sources = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        foreach (var (key, tensor) in checkpoint.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (parameters.ContainsKey(key)) sources[key] = tensor;
            else if (key is "encoder.embed_tokens.weight" or "decoder.embed_tokens.weight") continue; // handled below
            else if (key == "lm_head.weight" && Config.TieWordEmbeddings) continue;
            else if (key == LegacyCrossAttentionBiasKey) continue;
            else unexpected.Add(key);
        }
        if (!sources.ContainsKey("shared.weight"))
        {
            foreach (string alias in new[] { "encoder.embed_tokens.weight", "decoder.embed_tokens.weight" })
            {
                if (checkpoint.TryGetValue(alias, out var embed)) { sources["shared.weight"] = embed; break; }
            }
        }
        var missing = parameters.Keys.Where(k => !sources.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var misShaped = sources
            .Where(kv => !kv.Value.shape.SequenceEqual(parameters[kv.Key].shape))
            .Select(kv => $"{kv.Key}: checkpoint [{string.Join(",", kv.Value.shape)}] vs model [{string.Join(",", parameters[kv.Key].shape)}]")
            .OrderBy(s => s, StringComparer.Ordinal).ToList();
        if (missing.Count + unexpected.Count + misShaped.Count > 0)
        {
            var groups = new List<string>();
            if (missing.Count > 0) groups.Add($"missing: [{string.Join(", ", missing)}]");
            if (unexpected.Count > 0) groups.Add($"unexpected: [{string.Join(", ", unexpected)}]");
            if (misShaped.Count > 0) groups.Add($"mis-shaped: [{string.Join(", ", misShaped)}]");
            throw new InvalidDataException($"T5 checkpoint does not match the model: {string.Join("; ", groups)}");
        }
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        foreach (var (key, source) in sources)
            parameters[key].copy_(source); // copy_ converts dtype and device
        // copy_ changes the bias tables in place, which the position-bias caches cannot see.
        _encoder.PositionBiasOwner.ClearPositionBiasCache();
        _decoder.PositionBiasOwner.ClearPositionBiasCache();
    }

    /// <summary>
    /// Reads an HF model folder — <c>config.json</c> plus <c>model.safetensors</c>, a sharded
    /// <c>model.safetensors.index.json</c>, or <c>pytorch_model.bin</c> (see <see cref="HfCheckpoint"/>) — loads it
    /// strictly, converts to <paramref name="dtype"/>, moves to <paramref name="device"/> (default CPU) and switches to
    /// eval mode (HF from_pretrained does the same).
    /// </summary>
    /// <exception cref="FileNotFoundException">config.json or every weights file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or the weights do not fit the config (all differences listed).</exception>
    public static T5ForConditionalGeneration FromPretrained(string modelDir, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (!Directory.Exists(modelDir))
            throw new DirectoryNotFoundException($"T5 model folder '{modelDir}' does not exist.");
        var config = T5Config.FromJsonFile(Path.Combine(modelDir, "config.json"));
        string weightsPath = HfCheckpoint.LocateWeights(modelDir);
        var checkpoint = HfCheckpoint.ReadStateDict(modelDir, dtype);
        try
        {
            ClaimedModelSize.Check(config.ParameterCount(), checkpoint.Values.Sum(t => t.NumberOfElements), Path.Combine(modelDir, "config.json"), weightsPath);
        }
        catch
        {
            foreach (var t in checkpoint.Values) t.Dispose();
            throw;
        }
        var model = new T5ForConditionalGeneration(config);
        try
        {
            if (dtype != model.ModelDType) model.to(dtype);
            model.LoadStateDict(checkpoint);
        }
        catch (InvalidDataException e)
        {
            model.Dispose();
            throw new InvalidDataException($"{weightsPath}: {e.Message}", e);
        }
        finally
        {
            foreach (var t in checkpoint.Values) t.Dispose();
        }
        if (device is not null) model.to(device);
        model.eval();
        return model;
    }

    /// <summary>Runs the decoder on token ids (B, T) against the encoder output (B, S, D).</summary>
    private T5StackOutput RunDecoder(Tensor decoderInputIds, Tensor encoderHiddenStates, Tensor attentionMask, bool outputHiddenStates, T5DecoderCache? cache)
    {
        CheckMask(attentionMask, encoderHiddenStates.shape[0], encoderHiddenStates.shape[1], nameof(attentionMask));
        var embeds = EmbedTokens(decoderInputIds);                                                                // (B, T, D)
        var causal = CausalMask(decoderInputIds.shape[1], cache?.Length ?? 0, embeds.device);
        return _decoder.forward(embeds, causal, encoderHiddenStates, ExtendedEncoderMask(attentionMask), outputHiddenStates, cache);
    }

    /// <summary>LM head: tied → (h * d_model^-0.5) @ sharedᵀ (Mesh TensorFlow rescaling); untied → lm_head(h).</summary>
    private Tensor LmLogits(Tensor decoderOutput)
    {
        if (_lmHead is not null) return _lmHead.call(decoderOutput);
        using var scope = NewDisposeScope();
        var scaled = decoderOutput.Times(Math.Pow(Config.DModel, -0.5));
        return F.linear(scaled, _shared.weight!).MoveToOuterDisposeScope();
    }

    /// <summary>HF get_extended_attention_mask for the encoder: (1 - mask) * dtype_min, shape (B, 1, 1, S).</summary>
    private Tensor ExtendedEncoderMask(Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var dtype = ModelDType;
        var mask = attentionMask.to(dtype, _shared.weight!.device).unsqueeze(1).unsqueeze(2);
        return mask.SubtractedFrom(1.0).Times(torch.finfo(dtype).min).MoveToOuterDisposeScope();
    }

    /// <summary>Additive causal mask (1, 1, T, P+T): query i (absolute position P+i) sees keys 0..P+i.</summary>
    private Tensor CausalMask(long length, long past, Device device)
    {
        using var scope = NewDisposeScope();
        var dtype = ModelDType;
        var queryPositions = ScalarSafeOps.Range(past, past + length, ScalarType.Int64, device).unsqueeze(1);    // (T, 1)
        var keyPositions = ScalarSafeOps.Range(0L, past + length, ScalarType.Int64, device).unsqueeze(0);        // (1, P+T)
        var visible = keyPositions.le(queryPositions).to(dtype);
        return visible.SubtractedFrom(1.0).Times(torch.finfo(dtype).min).unsqueeze(0).unsqueeze(0).MoveToOuterDisposeScope();
    }

    private static void CheckMask(Tensor mask, long batch, long length, string name)
    {
        if (mask.dim() != 2 || mask.shape[0] != batch || mask.shape[1] != length)
            throw new ArgumentException($"{name} must have shape [{batch}, {length}] to match the encoder input, got [{string.Join(", ", mask.shape)}].", name);
    }
}
