namespace Mpt.Model;

/// <summary>
/// How T5 attention computes softmax(q kᵀ + position bias + mask) v. Both give the same values up to float rounding
/// (the golden parity tests hold for both); they differ in speed and in what they keep for the backward.
/// </summary>
public enum AttentionKernel
{
    /// <summary>
    /// libtorch's fused <c>scaled_dot_product_attention</c> (on CPU a blocked flash-attention kernel that never
    /// materialises the (B, H, Tq, Tk) weights), with T5's position bias and padding/causal mask as its additive float
    /// mask. Used where it computes the same function: not while attention-weight dropout is active (HF drops the
    /// softmax weights with <c>nn.Dropout</c>, which the fused kernel cannot reproduce, so training with backbone
    /// dropout keeps <see cref="Math"/>'s exact random stream), and not when gradients must reach the position-bias
    /// table (the fused kernel does not differentiate its mask). Default.
    /// </summary>
    Fused,

    /// <summary>
    /// The explicit composition of HF T5Attention: scores = q kᵀ + bias in the model dtype, softmax in float32, dropout
    /// of the weights, weights · v.
    /// </summary>
    Math,
}

/// <summary>Names of <see cref="AttentionKernel"/> values in configuration files and on the command line.</summary>
public static class AttentionKernelNames
{
    /// <summary>The name of <see cref="AttentionKernel.Fused"/>.</summary>
    public const string Fused = "fused";

    /// <summary>The name of <see cref="AttentionKernel.Math"/>.</summary>
    public const string Math = "math";

    /// <summary>Every accepted name, default first.</summary>
    public static IReadOnlyList<string> All { get; } = [Fused, Math];

    /// <summary>The name of <paramref name="kernel"/>.</summary>
    public static string Name(AttentionKernel kernel) => kernel switch
    {
        AttentionKernel.Fused => Fused,
        AttentionKernel.Math => Math,
        _ => throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown attention kernel."),
    };

    /// <summary>Parses a name (exact spelling, as listed in <see cref="All"/>).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the accepted ones.</exception>
    public static AttentionKernel Parse(string name) => name switch
    {
        Fused => AttentionKernel.Fused,
        Math => AttentionKernel.Math,
        _ => throw new ArgumentException($"Unknown attention kernel '{name}' (known: {string.Join(", ", All)})."),
    };
}
