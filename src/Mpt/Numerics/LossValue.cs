using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Numerics;

/// <summary>
/// A one-element loss tensor read as a number whatever the backbone's dtype: a bfloat16 backbone computes its
/// cross-entropy (T5's LM loss, like HF's) in bfloat16, and <c>item&lt;float&gt;()</c> refuses a bfloat16 tensor.
/// float32 is read as before; other dtypes are widened first (bfloat16 → float32 is exact).
/// </summary>
internal static class LossValue
{
    /// <summary>The value of <paramref name="scalar"/> (one element).</summary>
    public static float Of(Tensor scalar)
    {
        if (scalar.dtype == ScalarType.Float32) return scalar.item<float>();
        using var wide = scalar.detach().to(ScalarType.Float32);
        return wide.item<float>();
    }
}
