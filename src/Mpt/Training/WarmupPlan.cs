using System.Globalization;

namespace Mpt.Training;

/// <summary>
/// The warm-up a run actually uses: the configured <see cref="TrainingLoopOptions.WarmupSteps"/>, capped at
/// <see cref="TrainingLoopOptions.MaxWarmupFraction"/> of the run, then <see cref="LinearWarmupSchedule"/>.
/// </summary>
/// <remarks>
/// ATTEMPT warms up over 500 steps whatever the run's length (HF Trainer's <c>warmup_steps</c>). A few-shot target run
/// makes far fewer updates (k = 32, 20 epochs, batch 32: 20 steps), so its learning rate would peak at 4 % of the nominal
/// rate and the prompt would barely move from its init, which favours transferred inits over PT. The cap (like HF's
/// <c>warmup_ratio</c>) keeps the warm-up to a fraction of the run: effective = min(warmup, max(1, ⌊fraction × total⌋),
/// total − 1) for warmup &gt; 0, so a run of 5000 steps or more keeps ATTEMPT's 500, a configured warm-up is never switched
/// off (at least one step), and the nominal rate is always reached. Without a cap a warm-up that is not shorter than the
/// run is refused.
/// </remarks>
/// <param name="TotalSteps">Planned optimizer updates.</param>
/// <param name="WarmupSteps">The configured warm-up.</param>
/// <param name="MaxWarmupFraction">The cap as a fraction of <paramref name="TotalSteps"/>; null = no cap.</param>
/// <param name="EffectiveWarmupSteps">The warm-up the schedule uses.</param>
public sealed record WarmupPlan(long TotalSteps, int WarmupSteps, double? MaxWarmupFraction, long EffectiveWarmupSteps)
{
    /// <summary>The default cap: a tenth of the run.</summary>
    public const double DefaultMaxWarmupFraction = 0.1;

    /// <summary>The plan of a run of <paramref name="totalSteps"/> updates.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative warm-up, non-positive total, or a fraction outside (0, 1].</exception>
    /// <exception cref="ArgumentException">No cap and a warm-up of at least the whole run (the nominal rate would never be reached).</exception>
    public static WarmupPlan For(long totalSteps, int warmupSteps, double? maxWarmupFraction)
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), $"total steps must be positive, got {totalSteps}.");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"WarmupSteps must be non-negative, got {warmupSteps}.");
        if (maxWarmupFraction is { } f && !(f > 0 && f <= 1))
            throw new ArgumentOutOfRangeException(nameof(maxWarmupFraction), $"MaxWarmupFraction must be in (0, 1] or null (no cap), got {f}.");
        if (maxWarmupFraction is null)
        {
            if (warmupSteps > 0 && warmupSteps >= totalSteps)
                throw new ArgumentException($"a warm-up of {warmupSteps} steps is not shorter than the run's {totalSteps} steps, so the learning rate would never reach its nominal value; lower warmup_steps or set max_warmup_fraction (e.g. {DefaultMaxWarmupFraction}).", nameof(warmupSteps));
            return new WarmupPlan(totalSteps, warmupSteps, null, warmupSteps);
        }
        long effective = warmupSteps == 0 ? 0
            : Math.Min(warmupSteps, Math.Min(Math.Max(1, (long)Math.Floor(maxWarmupFraction.Value * totalSteps)), totalSteps - 1));
        return new WarmupPlan(totalSteps, warmupSteps, maxWarmupFraction, effective);
    }

    /// <summary>Whether the cap shortened the configured warm-up.</summary>
    public bool Capped => EffectiveWarmupSteps < WarmupSteps;

    /// <summary>The first step (1-based, as logged) whose update runs at the nominal rate: the end of the warm-up.</summary>
    public long PeakStep => EffectiveWarmupSteps + 1;

    /// <summary>The learning-rate factor of the update after <paramref name="step"/> completed updates.</summary>
    public double Multiplier(long step) => LinearWarmupSchedule.Multiplier(step, TotalSteps, EffectiveWarmupSteps);

    /// <summary>One line saying which schedule runs, e.g. "linear warm-up 2 of 20 steps (warmup_steps 500 capped at 10 % of the run), then linear decay to 0".</summary>
    public string Describe()
    {
        if (EffectiveWarmupSteps == 0) return $"no warm-up: linear decay to 0 over {TotalSteps} steps";
        string cap = Capped
            ? string.Create(CultureInfo.InvariantCulture, $" (warmup_steps {WarmupSteps} capped at {MaxWarmupFraction * 100:G4} % of the run)")
            : "";
        return $"linear warm-up {EffectiveWarmupSteps} of {TotalSteps} steps{cap}, then linear decay to 0";
    }
}
