using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Numerics;

/// <summary>
/// Tensor operations with a number operand (and tensor + tensor) that keep the native <see cref="Scalar"/> alive until
/// libtorch has read it.
/// </summary>
/// <remarks>
/// <para>TorchSharp 0.107 turns every number operand into a temporary <see cref="Scalar"/> (<c>x * 0.5</c>,
/// <c>x.gt(0)</c>, and the hidden <c>alpha = 1</c> of <c>a + b</c>), reads its native handle and calls libtorch without
/// keeping the managed object reachable. A garbage collection started by another thread during that call may run the
/// Scalar's finalizer, which frees the native scalar while libtorch reads it: the call then fails ("Expected false to be
/// true" from <c>toFloat</c>, "Unknown scalar type") or, worse, reads a reused value. docs/testing.md §1.1 has the
/// reproduction (thousands of failures per million <c>a + b</c> under allocation on another thread, none with a kept
/// Scalar).</para>
/// <para>Each method here runs the very libtorch operation the TorchSharp operator runs (same overload, same Scalar
/// kind from the same implicit conversion, so the numerics are bit-identical) and holds the Scalar with
/// <see cref="GC.KeepAlive"/> until the call has returned. The hot paths (the T5 and BERT forward passes, the prompt
/// composition and the losses) use them; one-off code at load time may keep the operators.</para>
/// </remarks>
internal static class ScalarSafeOps
{
    // A static field roots it for the life of the process: never finalized, never freed under a running call.
    private static readonly Scalar One = 1.ToScalar();

    /// <summary><c>left + right</c> (libtorch <c>add(left, right, alpha = 1)</c>).</summary>
    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    /// <summary><c>left + right</c> for a number (libtorch <c>add(left, right, alpha = 1)</c>).</summary>
    public static Tensor Plus(this Tensor left, Scalar right)
    {
        var result = left.add(right, One);
        GC.KeepAlive(right);
        return result;
    }

    /// <summary><c>left - right</c> for a number.</summary>
    public static Tensor Minus(this Tensor left, Scalar right)
    {
        var result = left.sub(right);
        GC.KeepAlive(right);
        return result;
    }

    /// <summary><c>left - right</c> with a number on the left: <c>(-right) + left</c>, as TorchSharp's operator does it.</summary>
    public static Tensor SubtractedFrom(this Tensor right, Scalar left)
    {
        var result = right.negative().add(left, One);
        GC.KeepAlive(left);
        return result;
    }

    /// <summary><c>left * right</c> for a number.</summary>
    public static Tensor Times(this Tensor left, Scalar right)
    {
        var result = left.mul(right);
        GC.KeepAlive(right);
        return result;
    }

    /// <summary><c>left / right</c> for a number (true division).</summary>
    public static Tensor Over(this Tensor left, Scalar right)
    {
        var result = left.div(right);
        GC.KeepAlive(right);
        return result;
    }

    /// <summary><c>x ** exponent</c>.</summary>
    public static Tensor Power(this Tensor x, Scalar exponent)
    {
        var result = x.pow(exponent);
        GC.KeepAlive(exponent);
        return result;
    }

    /// <summary><c>x &gt; value</c>.</summary>
    public static Tensor Greater(this Tensor x, Scalar value)
    {
        var result = x.gt(value);
        GC.KeepAlive(value);
        return result;
    }

    /// <summary><c>x &lt; value</c>.</summary>
    public static Tensor Less(this Tensor x, Scalar value)
    {
        var result = x.lt(value);
        GC.KeepAlive(value);
        return result;
    }

    /// <summary><c>x == value</c>.</summary>
    public static Tensor EqualTo(this Tensor x, Scalar value)
    {
        var result = x.eq(value);
        GC.KeepAlive(value);
        return result;
    }

    /// <summary><c>x != value</c>.</summary>
    public static Tensor NotEqualTo(this Tensor x, Scalar value)
    {
        var result = x.ne(value);
        GC.KeepAlive(value);
        return result;
    }

    /// <summary><c>x.masked_fill(mask, value)</c>.</summary>
    public static Tensor FilledWhere(this Tensor x, Tensor mask, Scalar value)
    {
        var result = x.masked_fill(mask, value);
        GC.KeepAlive(value);
        return result;
    }

    /// <summary><c>x.clamp_min(min)</c>.</summary>
    public static Tensor AtLeast(this Tensor x, Scalar min)
    {
        var result = x.clamp_min(min);
        GC.KeepAlive(min);
        return result;
    }

    /// <summary><c>x.clamp(min, max)</c>.</summary>
    public static Tensor Between(this Tensor x, Scalar min, Scalar max)
    {
        var result = x.clamp(min, max);
        GC.KeepAlive(min);
        GC.KeepAlive(max);
        return result;
    }

    /// <summary><c>torch.full_like(like, value)</c>.</summary>
    public static Tensor FullLike(Tensor like, Scalar value)
    {
        var result = torch.full_like(like, value);
        GC.KeepAlive(value);
        return result;
    }

    /// <summary><c>torch.full(shape, value)</c>.</summary>
    public static Tensor Full(long[] shape, Scalar value, ScalarType dtype, Device device)
    {
        var result = torch.full(shape, value, dtype, device);
        GC.KeepAlive(value);
        return result;
    }

    /// <summary><c>torch.arange(start, stop)</c> with step 1.</summary>
    public static Tensor Range(Scalar start, Scalar stop, ScalarType dtype, Device device)
    {
        var result = torch.arange(start, stop, One, dtype, device);
        GC.KeepAlive(start);
        GC.KeepAlive(stop);
        return result;
    }
}
