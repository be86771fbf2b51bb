namespace Mpt.Pipeline;

/// <summary>How a <see cref="PipelineRunner"/> runs (not part of the config: nothing here changes the results).</summary>
public sealed record PipelineRunOptions
{
    /// <summary>Continue interrupted runs from their checkpoints and skip finished ones.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// This process's share of a job array (<see cref="PipelineRunner.RunShard"/>): it trains only the work items the
    /// shard owns and always resumes. Null = every item (<see cref="PipelineRunner.Run"/>).
    /// </summary>
    public Shard? Shard { get; init; }

    /// <summary>
    /// Gather the results of finished work items (e.g. written by shards) without training anything: a run with an item
    /// that is not done fails before any work with <see cref="WorkItemsMissingException"/>, which names the missing items.
    /// Implies resuming finished items.
    /// </summary>
    public bool Gather { get; init; }

    /// <summary>Display.</summary>
    public IPipelineProgress Progress { get; init; } = SilentProgress.Instance;

    /// <summary>Early stop (Ctrl+C, simulated kill).</summary>
    public StopSignal Stop { get; init; } = new();

    /// <summary>
    /// An already loaded backbone to run on instead of loading <c>model.path</c> (the caller keeps ownership; its
    /// <see cref="Backbones.IRunBackbone.Name"/> should be what <c>model.path</c> says, which resume compares). Null = load.
    /// </summary>
    public Backbones.IRunBackbone? Backbone { get; init; }

    /// <summary>Resolves <c>model.dtype auto</c> (its cache folder and measurement); null = <see cref="Numerics.AutoDtype"/>'s
    /// defaults (the user's Mpt cache folder, the GEMM probe). Tests pass one with given rates.</summary>
    public Numerics.AutoDtype? AutoDtype { get; init; }

    /// <summary>
    /// Resamples of the paired bootstrap behind results.json's <c>comparisons</c> (<see cref="Metrics.PairedBootstrap"/>;
    /// the interval of the method differences, not the scores themselves).
    /// </summary>
    public int BootstrapResamples { get; init; } = Metrics.PairedBootstrap.DefaultResamples;

    /// <summary>Report writer called after results.json; none by default (the mpt CLI passes its markdown report).</summary>
    public IRunReporter Reporter { get; init; } = RunReporters.None;

    /// <summary>
    /// Gives data to task entries without <c>data</c> before the run validates its tasks; by default none does, and such an
    /// entry is refused (<see cref="TaskDataResolvers.None"/>). The mpt CLI passes its benchmark builder.
    /// </summary>
    public ITaskDataResolver TaskData { get; init; } = TaskDataResolvers.None;
}
