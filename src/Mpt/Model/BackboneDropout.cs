using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mpt.Model;

/// <summary>
/// The dropout of a backbone (T5, the BERT encoder): one component per place HF applies dropout, holding the rate and
/// the <see cref="DropoutKernel"/>. Active in training mode only (it follows <c>train()</c>/<c>eval()</c> of its parent
/// like HF's <c>nn.Dropout</c>); it has no parameters or buffers, so state dicts are unchanged.
/// </summary>
public sealed class BackboneDropout : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates a dropout of drop probability <paramref name="rate"/> with the <see cref="DropoutKernel.Exact"/> kernel.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> outside [0, 1].</exception>
    public BackboneDropout(double rate) : base(nameof(BackboneDropout))
    {
        if (!(rate >= 0 && rate <= 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout probability must be in [0, 1].");
        Rate = rate;
    }

    /// <summary>Drop probability p.</summary>
    public double Rate { get; }

    /// <summary>How masks are drawn; <see cref="DropoutKernel.Exact"/> (<c>F.dropout</c>) unless changed.</summary>
    public DropoutKernel Kernel { get; set; } = DropoutKernel.Exact;

    /// <summary>Dropout of <paramref name="input"/> in training mode; the input itself in eval mode.</summary>
    public override Tensor forward(Tensor input) => Kernel == DropoutKernel.Exact
        ? F.dropout(input, Rate, training)
        : ParallelChunkDropout.Apply(input, Rate, training);

    /// <summary>Sets <paramref name="kernel"/> on every <see cref="BackboneDropout"/> inside <paramref name="root"/>.</summary>
    public static void SetKernel(nn.Module root, DropoutKernel kernel)
    {
        foreach (var dropout in root.modules().OfType<BackboneDropout>()) dropout.Kernel = kernel;
    }

    /// <summary>The kernel the <see cref="BackboneDropout"/> components of <paramref name="root"/> use
    /// (<see cref="DropoutKernel.Exact"/> when it has none).</summary>
    /// <exception cref="InvalidOperationException">The components disagree (set them with <see cref="SetKernel"/>).</exception>
    public static DropoutKernel GetKernel(nn.Module root)
    {
        var kernels = root.modules().OfType<BackboneDropout>().Select(d => d.Kernel).Distinct().ToList();
        return kernels.Count switch
        {
            0 => DropoutKernel.Exact,
            1 => kernels[0],
            _ => throw new InvalidOperationException($"The dropout components of {root.GetName()} use different kernels ({string.Join(", ", kernels)})."),
        };
    }
}
