using System.Text.Json;
using System.Text.Json.Serialization;
using Mpt.RealData;

namespace Mpt.Quickstart;

/// <summary>
/// Everything the quickstart pipeline (<see cref="QuickstartPipeline"/>) does: which real-data tasks, how long each MPT
/// stage trains, how targets are sampled and evaluated. <see cref="Default"/> is the README's few-minute run on MiniLM;
/// <see cref="Full"/> is the complete benchmark. Stored as snake_case JSON (<c>configs/quickstart.json</c>).
/// </summary>
/// <remarks>
/// Sizes follow the reference run of docs/data.md where it gives one (similarity verbaliser, τ = 0.05, λ = 0.9,
/// k = 16 per class, dev-based checkpoint selection including step 0) and are otherwise chosen to fit the time budget
/// of the README command (≤ 15 minutes on 2 CPU cores, see docs/results.md for the measured wall clock).
/// </remarks>
public sealed record QuickstartOptions
{
    /// <summary>
    /// Folder of the built benchmark (<c>manifest.json</c> + task folders); built there when missing. Null = the
    /// per-user cache (<see cref="DefaultDataDir"/>), outside the repository, since most built files may not be
    /// committed (docs/data.md, Licences).
    /// </summary>
    public string? DataDir { get; init; }

    /// <summary><c>realdata</c> next to the package cache: <c>~/.cache/mpt/realdata</c> (or under <c>$XDG_CACHE_HOME</c>).</summary>
    public static string DefaultDataDir => Path.Combine(Path.GetDirectoryName(RealDataOptions.DefaultCacheDir)!, "realdata");

    /// <summary>The benchmark folder this run uses.</summary>
    [JsonIgnore]
    public string ResolvedDataDir => DataDir ?? DefaultDataDir;

    /// <summary>Cache of the downloaded source packages (null = <see cref="RealDataOptions.DefaultCacheDir"/>).</summary>
    public string? SourceCacheDir { get; init; }

    /// <summary>Rebuild the benchmark even when <see cref="DataDir"/> already holds a complete build.</summary>
    public bool RebuildData { get; init; }

    /// <summary>Build T6 fortune-topic (needs apt-get and dpkg-deb); without it, fortune-topic cannot be a target.</summary>
    public bool IncludeFortunes { get; init; } = true;

    /// <summary>Run folder: metrics.jsonl, results.json, prompts/ and report/ are written here.</summary>
    public string RunDir { get; init; } = Path.Combine("runs", "quickstart");

    /// <summary>Where the MiniLM files are extracted (null = the default MPT cache).</summary>
    public string? ModelCacheDir { get; init; }

    /// <summary>Torch intra-op threads (null = torch's default, one per core).</summary>
    public int? Threads { get; init; }

    /// <summary>Source tasks (benchmark task names); a teacher is trained on each and all are distilled into one prompt.</summary>
    public IReadOnlyList<string> Sources { get; init; } = ["word-polarity", "wn-supersense", "brown-genre", "sotu-era"];

    /// <summary>Target tasks (benchmark task names), adapted to few-shot by every method.</summary>
    public IReadOnlyList<string> Targets { get; init; } = ["uci-amazon", "uci-yelp", "fortune-topic"];

    /// <summary>Prompt length l of every prompt (teachers, P*, targets).</summary>
    public int PromptLength { get; init; } = 10;

    /// <summary>Longest input in tokens (prompt rows not counted); longer inputs are cut.</summary>
    public int MaxSourceLength { get; init; } = 40;

    /// <summary>Examples per batch of the source stages (teachers, distillation).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Examples per batch of the few-shot target runs (k = 16 per class gives 32 binary examples).</summary>
    public int TargetBatchSize { get; init; } = 8;

    /// <summary>
    /// Length-grouped batches in every stage: batches per length-sorted mega-batch of each epoch's shuffle (HF Trainer's
    /// <c>group_by_length</c>, factor 50; <see cref="Mpt.Training.TrainingLoopOptions.LengthGroupFactor"/>). 0 (default) = off.
    /// </summary>
    public int LengthGroupFactor { get; init; }

    /// <summary>Keep the frozen encoder's dropout on while training (off: deterministic features, and faster).</summary>
    public bool BackboneDropout { get; init; }

    /// <summary>
    /// How the encoder draws its dropout masks when <see cref="BackboneDropout"/> is on: <c>exact</c> (libtorch's
    /// <c>F.dropout</c>, default) or <c>parallel_chunks</c> (same distribution, another random stream, drawn on several
    /// threads; <see cref="Model.DropoutKernel"/>, docs/performance.md).
    /// </summary>
    public Model.DropoutKernel DropoutKernel { get; init; } = Model.DropoutKernel.Exact;

    /// <summary>Optimizer updates per teacher.</summary>
    public int TeacherSteps { get; init; } = 40;

    /// <summary>Teacher learning rate (paper: 0.3).</summary>
    public double TeacherLearningRate { get; init; } = 0.3;

    /// <summary>Most training examples drawn (seeded) from each source's train split, for teachers and distillation.</summary>
    public int SourceTrainCap { get; init; } = 640;

    /// <summary>Source validation examples used to pick the best teacher / distilled checkpoint.</summary>
    public int SourceDevSize { get; init; } = 64;

    /// <summary>Evaluate teachers and the distilled prompt on source dev every this many steps.</summary>
    public int SourceEvalEvery { get; init; } = 20;

    /// <summary>Optimizer updates of the multitask distillation.</summary>
    public int DistillSteps { get; init; } = 60;

    /// <summary>λ of Eq. 5 (paper: 0.9).</summary>
    public double Lambda { get; init; } = 0.9;

    /// <summary>Few-shot training examples per class of each target; every k is a separate set of runs.</summary>
    public IReadOnlyList<int> ShotsPerClass { get; init; } = [16];

    /// <summary>Seeds of the few-shot runs (each draws its own k-shot sample); results are mean ± std over them.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3];

    /// <summary>Optimizer updates per target run.</summary>
    public int TargetSteps { get; init; } = 20;

    /// <summary>Evaluate on the target dev subset every this many steps (and at step 0 and the last step).</summary>
    public int TargetEvalEvery { get; init; } = 10;

    /// <summary>Target validation examples (seeded subset) for checkpoint and SPoT source selection.</summary>
    public int TargetDevSize { get; init; } = 48;

    /// <summary>Target test examples (seeded subset of the test split) every method is scored on.</summary>
    public int TargetTestSize { get; init; } = 200;

    /// <summary>Learning rate of plain prompts on targets (PT, SPoT) and of P* (MPT).</summary>
    public double TargetLearningRate { get; init; } = 0.3;

    /// <summary>Learning rate of MPT's u, v on targets (paper: 0.4).</summary>
    public double TargetTaskVectorLearningRate { get; init; } = 0.4;

    /// <summary>Seed of the data subsets and of the source stages.</summary>
    public int Seed { get; init; } = 20231;

    /// <summary>Log a metrics record every this many steps.</summary>
    public int LogEverySteps { get; init; } = 5;

    /// <summary>
    /// The README quickstart: 4 sources, 3 targets, k = 16 per class, 3 seeds, short stages (l = 10, teachers 40 steps,
    /// distillation 60, targets 20 steps of 8) — sized so the whole command stays well inside 15 minutes on 2 cores
    /// (docs/results.md has the measured wall clock). Numbers from so short a run are a smoke signal, not the benchmark.
    /// </summary>
    public static QuickstartOptions Default => new();

    /// <summary>
    /// The complete benchmark: all 6 sources and all 6 targets of docs/data.md, k ∈ {16, 32} per class, 5 seeds, longer
    /// teachers and distillation, prompt length 20 (as in docs/data.md's reference run) — hours on 2 cores.
    /// </summary>
    public static QuickstartOptions Full => new()
    {
        RunDir = Path.Combine("runs", "full"),
        Sources = ["brown-genre", "brown-pos", "wn-supersense", "wn-relation", "word-polarity", "sotu-era"],
        Targets = ["uci-amazon", "uci-imdb", "uci-yelp", "wn-wsd-gloss", "spam", "fortune-topic"],
        PromptLength = 20,
        MaxSourceLength = 64,
        TeacherSteps = 300,
        SourceTrainCap = 10000,
        SourceDevSize = 200,
        SourceEvalEvery = 100,
        DistillSteps = 600,
        ShotsPerClass = [16, 32],
        Seeds = [1, 2, 3, 4, 5],
        TargetSteps = 60,
        TargetBatchSize = 16,
        TargetEvalEvery = 10,
        TargetDevSize = 200,
        TargetTestSize = 1000,
        LogEverySteps = 10,
    };

    /// <summary>JSON settings of the config file: snake_case names, unknown names rejected.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        // A null where the record has a non-nullable member is a config error naming the key, not a crash later.
        RespectNullableAnnotations = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    /// <summary>Reads a config file; settings it does not name keep their <see cref="Default"/> values.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Invalid JSON, an unknown setting or a bad value; the message names the file.</exception>
    public static QuickstartOptions Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: quickstart config not found.", path);
        QuickstartOptions options;
        try
        {
            options = JsonSerializer.Deserialize<QuickstartOptions>(File.ReadAllText(path), Json)
                      ?? throw new InvalidDataException($"{path}: the file is JSON null, expected an object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid quickstart config ({e.Message}).", e);
        }
        try { options.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        return options;
    }

    /// <summary>The options as the JSON of a config file.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Checks every value; the message names the setting.</summary>
    /// <exception cref="ArgumentException">A bad value.</exception>
    public void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value <= 0) throw new ArgumentException($"{name} must be positive, got {value}.");
        }
        if (Sources.Count == 0) throw new ArgumentException("sources: name at least one source task.");
        if (Targets.Count == 0) throw new ArgumentException("targets: name at least one target task.");
        if (Sources.Intersect(Targets).FirstOrDefault() is { } both) throw new ArgumentException($"task '{both}' is both a source and a target.");
        if (Sources.Distinct().Count() != Sources.Count) throw new ArgumentException("sources: a task is listed twice.");
        if (Targets.Distinct().Count() != Targets.Count) throw new ArgumentException("targets: a task is listed twice.");
        Positive(PromptLength, "prompt_length");
        Positive(MaxSourceLength, "max_source_length");
        Positive(BatchSize, "batch_size");
        Positive(TargetBatchSize, "target_batch_size");
        Positive(TeacherSteps, "teacher_steps");
        Positive(SourceTrainCap, "source_train_cap");
        Positive(SourceDevSize, "source_dev_size");
        Positive(DistillSteps, "distill_steps");
        Positive(TargetSteps, "target_steps");
        Positive(TargetDevSize, "target_dev_size");
        Positive(TargetTestSize, "target_test_size");
        if (LengthGroupFactor < 0) throw new ArgumentException($"length_group_factor must be 0 (off) or a positive number of batches, got {LengthGroupFactor}.");
        if (SourceEvalEvery < 0) throw new ArgumentException($"source_eval_every must be ≥ 0, got {SourceEvalEvery}.");
        if (TargetEvalEvery < 0) throw new ArgumentException($"target_eval_every must be ≥ 0, got {TargetEvalEvery}.");
        if (LogEverySteps < 0) throw new ArgumentException($"log_every_steps must be ≥ 0, got {LogEverySteps}.");
        if (ShotsPerClass.Count == 0 || ShotsPerClass.Any(k => k <= 0)) throw new ArgumentException("shots_per_class: give at least one positive k.");
        if (Seeds.Count == 0) throw new ArgumentException("seeds: give at least one seed.");
        if (Seeds.Distinct().Count() != Seeds.Count) throw new ArgumentException("seeds: a seed is listed twice.");
        if (Seeds.Any(s => s < 0)) throw new ArgumentException("seeds must be ≥ 0.");
        if (Threads is <= 0) throw new ArgumentException($"threads must be positive, got {Threads}.");
        if (!(Lambda >= 0)) throw new ArgumentException($"lambda must be ≥ 0, got {Lambda}.");
        foreach (var (rate, name) in new[] { (TeacherLearningRate, "teacher_learning_rate"), (TargetLearningRate, "target_learning_rate"), (TargetTaskVectorLearningRate, "target_task_vector_learning_rate") })
            if (!(rate > 0)) throw new ArgumentException($"{name} must be positive, got {rate}.");
    }
}
