namespace Mpt.Pipeline;

/// <summary>
/// The independent work items of the pipeline's stages, each one training run with its own folder in the run folder:
/// a teacher per source (<c>teachers/TASK</c>), the distillation (<c>distill</c>), and per trained target method and seed
/// a target run (<c>adapt/TARGET/METHOD/seed-S</c>, MPT*'s <c>adapt/_multi/mpt_multi/seed-S</c>; untrained baselines are
/// no items: they are cheap and recomputed by every full invocation). An item is named by its folder relative to the run
/// folder, with <c>/</c> separators; a stage's items are sorted by that name (ordinal), which is the order
/// <see cref="Shard"/> deals them out in.
/// </summary>
public static class WorkItems
{
    /// <summary>The folder of the teacher of <paramref name="task"/>.</summary>
    public static string TeacherFolder(string runDir, string task) => Path.Combine(runDir, PipelineRunner.TeachersDir, task);

    /// <summary>The folder of the distillation run.</summary>
    public static string DistillFolder(string runDir) => Path.Combine(runDir, PipelineRunner.DistillDir);

    /// <summary>The items of <paramref name="stages"/> in <paramref name="config"/>: teachers, then distillation, then target runs, each stage sorted.</summary>
    public static IReadOnlyList<string> Of(PipelineConfig config, PipelineStages stages)
    {
        ArgumentNullException.ThrowIfNull(config);
        var items = new List<string>();
        if ((stages & PipelineStages.Teachers) != 0) items.AddRange(Sorted(config.Sources.Select(s => TeacherFolder("", s.Task!))));
        if ((stages & PipelineStages.Distill) != 0) items.Add(Name(DistillFolder("")));
        if ((stages & PipelineStages.Adapt) != 0)
        {
            var folders = new List<string>();
            foreach (var method in config.Adapt.SelectedMethods().Where(m => m.Trained))
                foreach (ulong seed in config.Adapt.Seeds)
                {
                    if (method.MultiTarget) folders.Add(RunComparisons.TargetRunFolder("", "", method.ResultsKey, RunFolderRecords.SeedOf(seed)));
                    else folders.AddRange(config.Targets.Select(t => RunComparisons.TargetRunFolder("", t.Task!, method.ResultsKey, RunFolderRecords.SeedOf(seed))));
                }
            items.AddRange(Sorted(folders.Distinct()));
        }
        return items;
    }

    /// <summary>The item name of <paramref name="folder"/> inside <paramref name="runDir"/>.</summary>
    public static string NameOf(string runDir, string folder) => Name(Path.GetRelativePath(runDir, folder));

    /// <summary>
    /// Whether <paramref name="item"/> of <paramref name="runDir"/> is done: its training finished (prompt, result and settings
    /// written, the settings last) and, for a target run, its test evaluation written (test_results.json, after the
    /// per-example predictions and MPT's compressed adapters).
    /// </summary>
    public static bool IsDone(string runDir, string item)
    {
        string folder = Path.Combine(runDir, item);
        return PipelineRunner.IsFinished(folder)
               && (!item.StartsWith(PipelineRunner.AdaptDir + "/", StringComparison.Ordinal) || File.Exists(Path.Combine(folder, PipelineRunner.TestResultsFile)));
    }

    private static string Name(string relative) => relative.Replace(Path.DirectorySeparatorChar, '/');

    private static IEnumerable<string> Sorted(IEnumerable<string> folders) => folders.Select(Name).Order(StringComparer.Ordinal);
}
