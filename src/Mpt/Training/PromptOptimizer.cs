using Mpt.Prompts;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// AdamW over a prompt encoder's parameter groups, one group per learning rate (P* vs u, v), with decoupled weight decay
/// 1e-5 and HF's AdamW defaults (β = (0.9, 0.999), ε = 1e-8) — ATTEMPT's Trainer recipe that MPT's baselines follow
/// (docs/method.md §3; the paper does not name its optimizer). Frozen groups get requires_grad = false and stay out of the
/// optimizer, so a step cannot move them.
/// </summary>
public sealed class PromptOptimizer : IDisposable
{
    /// <summary>ATTEMPT's weight decay (configs/baselines/prompt_tuning.json).</summary>
    public const double DefaultWeightDecay = 1e-5;

    private readonly List<(string Name, double BaseLearningRate, AdamW.ParamGroup Group)> _groups = [];

    /// <summary>Builds the optimizer for the encoder's groups.</summary>
    /// <param name="encoder">The prompt encoder whose parameters train.</param>
    /// <param name="rates">Learning rate per group (null = frozen).</param>
    /// <param name="weightDecay">Decoupled weight decay (default 1e-5).</param>
    public PromptOptimizer(PromptEncoder encoder, PromptLearningRates rates, double weightDecay = DefaultWeightDecay)
    {
        foreach (var group in encoder.ParameterGroups())
        {
            double? lr = rates.For(group.Name);
            foreach (var p in group.Parameters) p.requires_grad = lr is not null;
            if (lr is null) continue;
            var paramGroup = new AdamW.ParamGroup(group.Parameters, lr: lr.Value, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay);
            _groups.Add((group.Name, lr.Value, paramGroup));
        }
        if (_groups.Count == 0) throw new ArgumentException("every prompt parameter group is frozen: nothing to optimise.", nameof(rates));
        Optimizer = torch.optim.AdamW(_groups.Select(g => g.Group), lr: _groups[0].BaseLearningRate, weight_decay: weightDecay);
    }

    /// <summary>The underlying TorchSharp optimizer (for its state in checkpoints).</summary>
    public AdamW Optimizer { get; }

    /// <summary>The trained groups with their base learning rates, in optimizer order.</summary>
    public IReadOnlyList<(string Name, double BaseLearningRate)> Groups => _groups.Select(g => (g.Name, g.BaseLearningRate)).ToList();

    /// <summary>The current learning rate of a trained group.</summary>
    public double CurrentLearningRate(string groupName) => Find(groupName).Group.LearningRate;

    /// <summary>Sets every group's learning rate to base × <paramref name="multiplier"/> (e.g. <see cref="LinearWarmupSchedule.Multiplier"/>).</summary>
    public void ApplySchedule(double multiplier)
    {
        if (multiplier < 0 || double.IsNaN(multiplier)) throw new ArgumentOutOfRangeException(nameof(multiplier), $"multiplier must be non-negative, got {multiplier}.");
        foreach (var (_, baseLr, group) in _groups) group.LearningRate = baseLr * multiplier;
    }

    /// <summary>One AdamW update from the current gradients.</summary>
    public void Step() => Optimizer.step();

    /// <summary>Clears the gradients of the trained parameters.</summary>
    public void ZeroGrad() => Optimizer.zero_grad();

    /// <inheritdoc/>
    public void Dispose() => Optimizer.Dispose();

    private (string Name, double BaseLearningRate, AdamW.ParamGroup Group) Find(string name)
    {
        foreach (var g in _groups) if (g.Name == name) return g;
        throw new ArgumentException($"group '{name}' is not trained by this optimizer (trained: {string.Join(", ", _groups.Select(g => g.Name))}).", nameof(name));
    }
}
