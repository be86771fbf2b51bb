using Mpt.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mpt.Runs;

/// <summary>
/// AdamW's per-parameter state as named tensors, for a checkpoint file: <c>state.{i}.exp_avg</c>,
/// <c>state.{i}.exp_avg_sq</c> and <c>state.{i}.step</c> (int64 [1]) for the i-th trained parameter in optimizer order
/// (TorchSharp's <c>Optimizer.state_dict().State</c>: group by group, parameter by parameter). Learning rates are not
/// stored: the loop sets them from the step before every update.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's own <c>save_state_dict</c> writes a private binary format; tensors in safetensors are inspectable
/// and round-trip bit-exactly (float32 copied byte for byte).
/// </remarks>
public static class OptimizerStateTensors
{
    /// <summary>Detached copies of the optimizer's state.</summary>
    public static Dictionary<string, Tensor> Save(PromptOptimizer optimizer)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var states = optimizer.Optimizer.state_dict().State;
        for (int i = 0; i < states.Count; i++)
        {
            var s = AsAdamW(states[i], i);
            result[$"state.{i}.exp_avg"] = s.exp_avg.detach().clone();
            result[$"state.{i}.exp_avg_sq"] = s.exp_avg_sq.detach().clone();
            result[$"state.{i}.step"] = torch.tensor(new[] { s.step });
        }
        return result;
    }

    /// <summary>Copies saved state into <paramref name="optimizer"/>, which must train parameters of the same shapes.</summary>
    /// <param name="optimizer">The optimizer to restore.</param>
    /// <param name="tensors">Output of <see cref="Save"/> (e.g. read back from a file).</param>
    /// <param name="source">Where the tensors come from, for error messages.</param>
    /// <exception cref="InvalidDataException">Missing, extra or mis-shaped entries.</exception>
    public static void Load(PromptOptimizer optimizer, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var states = optimizer.Optimizer.state_dict().State;
        if (tensors.Count != 3 * states.Count)
            throw new InvalidDataException($"{source}: optimizer state has {tensors.Count} tensors, expected {3 * states.Count} (3 per trained parameter, {states.Count} parameters): the checkpoint was made with other trained groups.");
        using var noGrad = torch.no_grad();
        for (int i = 0; i < states.Count; i++)
        {
            var s = AsAdamW(states[i], i);
            var m = Get(tensors, $"state.{i}.exp_avg", s.exp_avg.shape, source);
            var v = Get(tensors, $"state.{i}.exp_avg_sq", s.exp_avg_sq.shape, source);
            var step = Get(tensors, $"state.{i}.step", [1], source);
            s.exp_avg.copy_(m);
            s.exp_avg_sq.copy_(v);
            s.step = step.to(ScalarType.Int64).item<long>();
        }
    }

    private static AdamW.State AsAdamW(OptimizerState state, int index) =>
        state as AdamW.State ?? throw new InvalidOperationException($"optimizer state {index} is a {state.GetType().Name}, not AdamW's.");

    private static Tensor Get(IReadOnlyDictionary<string, Tensor> tensors, string name, long[] shape, string source)
    {
        if (!tensors.TryGetValue(name, out var t)) throw new InvalidDataException($"{source}: missing optimizer tensor '{name}'.");
        if (!t.shape.SequenceEqual(shape))
            throw new InvalidDataException($"{source}: optimizer tensor '{name}' has shape [{string.Join(",", t.shape)}], expected [{string.Join(",", shape)}].");
        return t;
    }
}
