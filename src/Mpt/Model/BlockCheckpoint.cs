using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Mpt.Model;

/// <summary>
/// Activation checkpointing of one block (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost"; the
/// reentrant variant of PyTorch's <c>torch.utils.checkpoint.checkpoint</c>): the forward runs the block without
/// recording a graph and keeps only its inputs; the backward runs it again with gradients on and backpropagates the
/// output gradient through that recomputation. Peak memory is then the block boundaries plus one block's
/// activations instead of every block's activations, for the price of a second forward of each block.
/// </summary>
/// <remarks>
/// <para>Prompt tuning needs gradients only with respect to the soft prompt, which enters at the encoder input, yet
/// plain autograd keeps every intermediate of every frozen block alive until the backward. The block becomes one
/// custom autograd node (TorchSharp's <see cref="SingleTensorFunction{T}"/>), so <c>loss.backward()</c> works unchanged.</para>
/// <para>Dropout: the generator state before the block's first forward is saved, and the recomputation runs from that
/// state (PyTorch's <c>preserve_rng_state=True</c>), so it draws the very masks of the first forward for both
/// <see cref="DropoutKernel"/>s (both draw from torch's default CPU generator); the caller's generator state is put
/// back afterwards, so the random stream after the backward is the one without checkpointing. Likewise the block's
/// train/eval modes of the first forward are replayed: a caller may switch the backbone to eval mode for one pass
/// with gradients (the distiller's dropout-free student pass) and back to train mode before the backward.</para>
/// <para>Gradients: every tensor input that requires grad gets its gradient; the recomputation is backpropagated with
/// <c>torch.autograd.backward</c>, so parameters that require grad accumulate theirs as without checkpointing. When no
/// input requires grad (or gradients are off) the block simply runs: there is nothing to recompute for.</para>
/// </remarks>
internal sealed class BlockCheckpoint : SingleTensorFunction<BlockCheckpoint>
{
    private const string StateKey = "block";

    /// <inheritdoc/>
    public override string Name => nameof(BlockCheckpoint);

    /// <summary>
    /// <paramref name="forward"/>(<paramref name="inputs"/>), checkpointed when gradients are recorded and some input
    /// requires grad. <paramref name="forward"/> must be a function of its inputs, the parameters of
    /// <paramref name="module"/>, the train/eval modes of its modules and torch's default generator only (it is run twice).
    /// </summary>
    public static Tensor Run(nn.Module module, Func<Tensor?[], Tensor> forward, params Tensor?[] inputs)
    {
        if (!torch.is_grad_enabled() || !inputs.Any(t => t is not null && t.requires_grad))
            return forward(inputs);
        var args = new object?[inputs.Length + 1];
        args[0] = new SavedBlock(module, forward, ModuleModes.Of(module), GeneratorState());
        Array.Copy(inputs, 0, args, 1, inputs.Length);
        return apply(args!);
    }

    /// <summary>Runs the block without a graph (TorchSharp calls this under no_grad) and keeps what the backward needs.</summary>
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var block = (SavedBlock)vars[0];
        var inputs = vars.Skip(1).Select(v => v as Tensor).ToArray();
        // The inputs are kept as saved variables (references held by the graph node, not by a dispose scope): they
        // stay valid whichever scope the caller disposes before the backward.
        ctx.save_for_backward([.. inputs]);
        ctx.save_data(StateKey, block);
        // Undefined output gradients are not expanded to zeros: the block has one output, and it always gets one.
        ctx.set_materialize_grads(false);
        return block.Forward(inputs);
    }

    /// <summary>Recomputes the block with gradients from the saved generator state and returns the inputs' gradients.</summary>
    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var saved = (SavedBlock)ctx.get_data(StateKey);
        using var scope = NewDisposeScope();
        var inputs = ctx.get_saved_variables()
            .Select(t => t is null ? null : t.detach().requires_grad_(t.requires_grad))
            .ToArray();
        Tensor output;
        using (torch.enable_grad())
        using (new GeneratorFork(saved.GeneratorState))
        using (ModuleModes.Replay(saved.Module, saved.Modes))
            output = saved.Forward(inputs);
        torch.autograd.backward([output], [gradOutput]);
        var gradients = new List<Tensor> { null! }; // the block function itself is not a tensor input
        // An input that requires grad but did not reach the output has no gradient: undefined, as autograd returns it.
        foreach (var input in inputs)
            gradients.Add(input is { requires_grad: true, grad: { } grad } ? grad.MoveToOuterDisposeScope() : null!);
        return gradients;
    }

    private static byte[] GeneratorState()
    {
        using var state = torch.random.get_rng_state();
        return state.data<byte>().ToArray();
    }

    /// <summary>What the backward needs besides the saved inputs: the block, its modes and the generator state before its first forward.</summary>
    private sealed record SavedBlock(nn.Module Module, Func<Tensor?[], Tensor> Forward, bool[] Modes, byte[] GeneratorState);

    /// <summary>Sets torch's default generator to a saved state and puts the caller's state back on dispose
    /// (PyTorch's <c>torch.random.fork_rng</c>).</summary>
    private sealed class GeneratorFork : IDisposable
    {
        private readonly byte[] _callerState = GeneratorState();

        public GeneratorFork(byte[] state) => Restore(state);

        public void Dispose() => Restore(_callerState);

        private static void Restore(byte[] state)
        {
            using var tensor = torch.tensor(state, ScalarType.Byte);
            torch.random.set_rng_state(tensor);
        }
    }
}
