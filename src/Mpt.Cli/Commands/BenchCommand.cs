using System.CommandLine;
using System.Text.Json;
using Mpt.Backbones;
using Mpt.Benchmarks;
using Mpt.Model;
using Mpt.Numerics;
using Mpt.Pipeline;
using Mpt.Serving;
using Mpt.Tasks;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>mpt bench train-step|distill-step|generate|rank-classify|gemm|teacher-cache|example-store</c>: throughput of prompt tuning on a randomly initialised T5 of a named
/// shape. Each sub-command prints one JSON line (see <see cref="BenchmarkResult"/>), so runs can be compared side by side
/// with a PyTorch script doing the same step. Logic lives in <c>Mpt.Benchmarks</c>; this class only maps flags.
/// <c>mpt bench serve</c> loads a real server on a loopback port (<see cref="ServeBenchmark"/>, docs/serving.md) and
/// prints one JSON line per batching mode.
/// </summary>
public static class BenchCommand
{
    /// <summary>Builds the verb with its sub-commands.</summary>
    public static Command Create(CliContext context)
    {
        var bench = new Command("bench", "Measure prompt-tuning throughput on a random T5 of a given shape, or serving throughput (serve); prints JSON lines.");
        bench.Add(SubCommand(context, TrainStepBenchmark.Name,
            "One prompt-tuning step: forward + backward + AdamW on the prompt only (backbone frozen).", TrainStepBenchmark.Run));
        bench.Add(SubCommand(context, DistillStepBenchmark.Name,
            "One MPT distillation step as the Distiller runs it: student MultitaskPrompt forward (plus a dropout-free pass for the hidden loss by default), no-grad teacher forward, L_PLM + λ(KL + hidden MSE), backward, AdamW.",
            DistillStepBenchmark.Run));
        bench.Add(SubCommand(context, GenerateBenchmark.Name,
            "Evaluation throughput: greedy generation of up to --target tokens per example with the KV cache.", GenerateBenchmark.Run));
        bench.Add(SubCommand(context, RankClassifyBenchmark.Name,
            "Evaluation throughput of rank classification: score a batch against --candidates label strings of --target tokens, encoding once.",
            RankClassifyBenchmark.Run));
        bench.Add(GemmCommand(context));
        bench.Add(TeacherCacheCommand(context));
        bench.Add(ExampleStoreCommand(context));
        bench.Add(ServeSubCommand(context));
        return bench;
    }

    private static Command ServeSubCommand(CliContext context)
    {
        var defaults = new ServeBenchmarkSettings();
        var model = new Option<string>("--model") { Description = "The backbone: minilm, a BERT folder or a T5 folder.", DefaultValueFactory = _ => "minilm" };
        var prompts = new Option<string[]>("--prompts")
        {
            Description = "Serve these prompts (as mpt serve --prompts) instead of random ones; requests go to the first --tasks of them.",
            AllowMultipleArgumentsPerToken = true,
        };
        var taskFile = new Option<string[]>("--task-file") { Description = "JSON files with the definitions of your own tasks (with --prompts)." };
        var tasks = IntOption("--tasks", "Tasks the requests are spread over (request i goes to task i mod T).", 8);
        var registered = IntOption("--registered-tasks", "Random prompts registered in the server (at least --tasks; the rest receive no requests).", 8);
        var promptLength = IntOption("--prompt-length", "Length of the random prompts.", 10);
        var clients = IntOption("--clients", "Concurrent closed-loop clients.", defaults.Clients);
        var requests = IntOption("--requests", "Measured requests per mode.", defaults.Requests);
        var warmupRequests = IntOption("--warmup-requests", "Unmeasured requests per mode before the measurement.", defaults.WarmupRequests);
        var maxSeconds = IntOption("--max-seconds", "Time bound of one mode's measurement, in seconds.", (int)defaults.MaxSeconds);
        var inputs = IntOption("--inputs-per-request", "Inputs per request.", defaults.InputsPerRequest);
        var maxBatch = IntOption("--max-batch", "Most rows per batch in the batching modes.", defaults.MaxBatch);
        var maxWait = IntOption("--max-wait-ms", "Batch wait of the batching modes, in ms.", (int)defaults.MaxWait.TotalMilliseconds);
        var overhead = IntOption("--forward-overhead-tokens", "The padding plan's cost of one more forward, in token positions: a batch is split by input length only where that saves more padding (0 = wherever it saves any).", defaults.ForwardOverheadTokens);
        var refill = IntOption("--refill-wait-ms", "How long a batch may wait, right after a batch, for the rows of the clients that batch answered, in ms (0 = max wait alone).", (int)defaults.RefillWait.TotalMilliseconds);
        var trim = IntOption("--trim-native-heap-seconds", "Hand the C heap's free pages back to the kernel after a batch, at most every this many seconds (0 = never; glibc only).", (int)defaults.TrimNativeHeapEvery.TotalSeconds);
        var modes = new Option<string[]>("--modes")
        {
            Description = $"Modes to run, in order: {string.Join(", ", ServeBenchmarkSettings.ModeNames)} (all by default).",
            AllowMultipleArgumentsPerToken = true,
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the random prompts.", DefaultValueFactory = _ => 1 };
        var rounds = IntOption("--rounds", "Run the list of --modes this many times in turn (A B C A B C ...), so that modes compared share the machine's load.", defaults.Rounds);
        var noHttp = new Option<bool>("--no-http") { Description = "Clients call the predictor in process instead of over HTTP: the batcher and model alone, without Kestrel and JSON." };
        var soakSeconds = IntOption("--soak-seconds", "Memory soak: load the first of --modes for this many seconds (no --requests bound), sampling resident memory (0 = no soak).", 0);
        var sampleSeconds = IntOption("--sample-seconds", "Seconds between memory samples of --soak-seconds.", 10);
        var sharedPrompt = new Option<bool>("--shared-prompt") { Description = "Random MPT prompts of one run (one P*, u_k and v_k per task) instead of soft prompts; the server holds P* once." };
        var threads = CommonOptions.Threads();
        var command = new Command("serve", "Serving throughput: closed-loop clients against mpt serve on a loopback port, one JSON line per batching mode (docs/serving.md).")
        {
            model, prompts, taskFile, tasks, registered, promptLength, clients, requests, warmupRequests, maxSeconds, inputs, maxBatch, maxWait, overhead, refill, trim, modes, rounds, noHttp,
            soakSeconds, sampleSeconds, seed, sharedPrompt, threads,
        };
        command.SetAction(parse =>
        {
            var settings = new ServeBenchmarkSettings
            {
                Clients = parse.GetValue(clients),
                Requests = parse.GetValue(requests),
                WarmupRequests = parse.GetValue(warmupRequests),
                MaxSeconds = parse.GetValue(maxSeconds),
                InputsPerRequest = parse.GetValue(inputs),
                MaxBatch = parse.GetValue(maxBatch),
                MaxWait = TimeSpan.FromMilliseconds(parse.GetValue(maxWait)),
                ForwardOverheadTokens = parse.GetValue(overhead),
                RefillWait = TimeSpan.FromMilliseconds(parse.GetValue(refill)),
                TrimNativeHeapEvery = TimeSpan.FromSeconds(parse.GetValue(trim)),
                Modes = parse.GetValue(modes) is { Length: > 0 } chosen ? chosen : ServeBenchmarkSettings.ModeNames,
                Rounds = parse.GetValue(rounds),
                Http = !parse.GetValue(noHttp),
            };
            settings.Validate();
            int soak = parse.GetValue(soakSeconds), every = parse.GetValue(sampleSeconds);
            if (soak < 0) throw new ArgumentException($"--soak-seconds must not be negative, not {soak}.");
            if (soak > 0 && (every < 1 || every > soak)) throw new ArgumentException($"--sample-seconds must lie in [1, --soak-seconds], not {every}.");
            int taskCount = parse.GetValue(tasks);
            if (taskCount < 1) throw new ArgumentException($"--tasks must be at least 1, not {taskCount}.");
            string[] sources = parse.GetValue(prompts) ?? [];
            int registeredCount = parse.GetValue(registered);
            if (sources.Length == 0 && registeredCount < taskCount)
                throw new ArgumentException($"--registered-tasks ({registeredCount}) must be at least --tasks ({taskCount}).");
            CommonOptions.ApplyThreads(parse.GetValue(threads));

            var catalog = TaskCatalog.CreateDefault();
            foreach (string file in parse.GetValue(taskFile) ?? []) UserTaskFile.RegisterAll(catalog, file);
            foreach (string source in sources.Where(RunFolderPrompts.IsRunFolder)) RunTaskDefinitions.Register(catalog, source);
            using var backbone = RunBackbones.Load(new ModelConfig { Path = parse.GetValue(model)! }, new EvaluateConfig(), "--model");
            using var registry = new PromptRegistry(backbone, catalog);
            IReadOnlyList<ServedTask> served;
            if (sources.Length > 0)
            {
                foreach (string source in sources) registry.Add(source);
                served = registry.Tasks.Take(taskCount).ToList();
            }
            else
            {
                // The memory the registered prompts take: resident set before and after, each after a full collection.
                double before = ResidentMib();
                var clock = System.Diagnostics.Stopwatch.StartNew();
                bool shared = parse.GetValue(sharedPrompt);
                served = ServeBenchmark.AddRandomPrompts(registry, catalog, registeredCount, parse.GetValue(promptLength), parse.GetValue(seed), shared).Take(taskCount).ToList();
                double seconds = clock.Elapsed.TotalSeconds, after = ResidentMib();
                context.Output.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    bench = "serve-registry", registered_tasks = registeredCount, shared_prompt = shared, prompt_length = parse.GetValue(promptLength),
                    rss_before_mib = Math.Round(before, 1), rss_after_mib = Math.Round(after, 1), extra_mib = Math.Round(after - before, 1),
                    seconds = Math.Round(seconds, 2),
                }));
            }
            if (soak > 0)
            {
                var summary = ServeBenchmark.SoakAsync(registry, served, settings, TimeSpan.FromSeconds(soak), TimeSpan.FromSeconds(every), sample =>
                {
                    context.Output.WriteLine(sample.ToJsonLine());
                    context.Output.Flush();
                }).GetAwaiter().GetResult();
                context.Output.WriteLine(summary.ToJsonLine());
                return MptCli.Ok;
            }
            ServeBenchmark.RunAsync(registry, served, settings, result =>
            {
                context.Output.WriteLine(result.ToJsonLine());
                context.Output.Flush();
            }).GetAwaiter().GetResult();
            return MptCli.Ok;
        });
        return command;
    }

    /// <summary>
    /// <c>mpt bench gemm</c>: the fp32 and bf16 rate of a shape's dominant GEMM (the encoder feed-forward's first matrix,
    /// (batch·(prompt + seq)) × d_model × d_ff), one JSON line per dtype: the ceiling <c>train-step</c>'s
    /// <c>fraction_of_gemm_peak</c> is measured against, and what <c>model.dtype auto</c> compares
    /// (<see cref="GemmRate"/>: warm-up, then the two dtypes' timed rounds alternate; the rate is the median round's).
    /// </summary>
    private static Command GemmCommand(CliContext context)
    {
        var defaults = new BenchmarkSettings();
        var probeDefaults = new GemmProbeOptions();
        var shape = ShapeOption(defaults);
        var batch = IntOption("--batch", "Examples per step.", defaults.Batch);
        var seq = IntOption("--seq", "Input tokens per example.", defaults.Seq);
        var prompt = IntOption("--prompt", "Prompt length.", defaults.Prompt);
        var threads = IntOption("--threads", "libtorch intra-op threads.", defaults.Threads);
        var repeats = IntOption("--repeats", "Timed rounds per dtype (each repeats the product for at least 30 ms); the rate is the median round's.", probeDefaults.Rounds);
        var auto = new Option<bool>("--auto") { Description = "Also print what model.dtype auto decides from these two rates (one more JSON line; it probes batch 8 × 256 positions of the model's d_model × d_ff)." };
        var command = new Command("gemm", "The fp32 and bf16 rate of the GEMM that dominates a training step of the shape (one JSON line per dtype: median and spread over timed rounds).")
        {
            shape, batch, seq, prompt, threads, repeats, auto,
        };
        command.SetAction(parse =>
        {
            var settings = new BenchmarkSettings
            {
                Shape = parse.GetValue(shape)!, Batch = parse.GetValue(batch), Seq = parse.GetValue(seq),
                Prompt = parse.GetValue(prompt), Threads = parse.GetValue(threads),
            };
            settings.Validate();
            if (parse.GetValue(repeats) < 1) throw new ArgumentException("--repeats must be at least 1.");
            torch.set_num_threads(settings.Threads);
            var (m, k, n) = GemmRate.DominantShape(BenchmarkShapes.Get(settings.Shape), settings.Batch, settings.EncoderLength);
            var options = probeDefaults with { Rounds = parse.GetValue(repeats), MinRounds = Math.Min(probeDefaults.MinRounds, parse.GetValue(repeats)), Seed = settings.Seed };
            var rates = GemmRate.Measure(m, k, n, [ScalarType.Float32, ScalarType.BFloat16], options);
            foreach (var rate in rates)
            {
                var spread = rate.GflopPerSSpread;
                context.Output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["bench"] = "gemm", ["shape"] = settings.Shape, ["dtype"] = rate.Dtype == ScalarType.Float32 ? "float32" : "bfloat16",
                    ["m"] = m, ["k"] = k, ["n"] = n, ["threads"] = settings.Threads, ["rounds"] = spread.Count,
                    ["ms_median"] = Math.Round(rate.MsPerProduct.Median, 3), ["gflop_per_s"] = Math.Round(rate.GflopPerS, 2),
                    ["gflop_per_s_iqr"] = new[] { Math.Round(spread.LowerQuartile, 2), Math.Round(spread.UpperQuartile, 2) },
                    ["gflop_per_s_min"] = Math.Round(spread.Min, 2), ["gflop_per_s_max"] = Math.Round(spread.Max, 2),
                    ["loadavg_1m"] = ProcessMemory.LoadAverage1Min(),
                }));
            }
            if (parse.GetValue(auto))
            {
                var (dtype, why) = AutoDtype.Rule(rates[0].GflopPerS, rates[1].GflopPerS);
                context.Output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["bench"] = "gemm", ["shape"] = settings.Shape, ["auto_dtype"] = dtype,
                    ["bf16_over_fp32"] = Math.Round(rates[1].GflopPerS / rates[0].GflopPerS, 3), ["required"] = AutoDtype.RequiredSpeedup, ["why"] = why,
                }));
            }
            return MptCli.Ok;
        });
        return command;
    }

    /// <summary>
    /// <c>mpt bench teacher-cache</c>: RAM, file size and serving time of the teacher-output cache for N distinct
    /// examples, and the KL error of the top-k summary (<see cref="TeacherCacheBenchmark"/>).
    /// </summary>
    private static Command TeacherCacheCommand(CliContext context)
    {
        var defaults = new BenchmarkSettings();
        var shape = ShapeOption(defaults);
        var batch = IntOption("--batch", "Examples per batch.", defaults.Batch);
        var seq = IntOption("--seq", "Input tokens per example, without the prompt.", defaults.Seq);
        var target = IntOption("--target", "Label tokens per example.", defaults.Target);
        var prompt = IntOption("--prompt", "Prompt length.", defaults.Prompt);
        var threads = IntOption("--threads", "libtorch intra-op threads.", defaults.Threads);
        var tasks = IntOption("--tasks", "Source tasks (one teacher each).", defaults.Tasks);
        var examples = IntOption("--examples", "Distinct examples put through the cache.", 256);
        var klBatches = IntOption("--kl-batches", "Batches the KL error of the top-k summary is averaged over.", 4);
        var seed = new Option<ulong>("--seed") { Description = "Seed for weights, prompts and token ids.", DefaultValueFactory = _ => defaults.Seed };
        var cache = new Option<string>("--cache") { Description = "memory (exact, in RAM) or disk_topk (top-k + lumped tail, memory-mapped file; k = the first --topk).", DefaultValueFactory = _ => "memory" };
        cache.AcceptOnlyFromAmong("memory", "disk_topk");
        var topK = new Option<int[]>("--topk") { Description = "k values whose KL error is measured (the first is the disk cache's k). Default 64 128.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [64, 128] };
        var dir = new Option<string?>("--dir") { Description = "Folder for the disk cache's file (kept); default a temporary file, deleted afterwards." };
        var teacherNoise = new Option<double>("--teacher-noise") { Description = "The teachers are the student's prompt init plus N(0, σ²) noise of this σ. Default 0.1 (as distill-step).", DefaultValueFactory = _ => 0.1 };
        var hiddenBf16 = new Option<bool>("--hidden-bf16") { Description = "Keep the cached hidden states in bfloat16 (distill.teacher_cache_hidden_bf16)." };
        var command = new Command(TeacherCacheBenchmark.Name, "RAM and file size of the teacher-output cache for N examples (memory vs disk_topk) and the KL error of the top-k summary; JSON lines.")
        {
            shape, batch, seq, target, prompt, threads, tasks, seed, examples, klBatches, cache, topK, dir, hiddenBf16, teacherNoise,
        };
        command.SetAction(parse =>
        {
            var settings = new TeacherCacheBenchmarkSettings(
                new BenchmarkSettings
                {
                    Shape = parse.GetValue(shape)!, Batch = parse.GetValue(batch), Seq = parse.GetValue(seq), Target = parse.GetValue(target),
                    Prompt = parse.GetValue(prompt), Threads = parse.GetValue(threads), Tasks = parse.GetValue(tasks), Seed = parse.GetValue(seed),
                    TeacherNoise = parse.GetValue(teacherNoise),
                },
                parse.GetValue(examples), parse.GetValue(cache) == "disk_topk", parse.GetValue(topK) ?? [], parse.GetValue(dir), parse.GetValue(klBatches),
                parse.GetValue(hiddenBf16));
            foreach (var line in TeacherCacheBenchmark.Run(settings))
                context.Output.WriteLine(JsonSerializer.Serialize(line));
            return MptCli.Ok;
        });
        return command;
    }

    /// <summary>
    /// <c>mpt bench example-store</c>: managed heap per tokenized example as arrays and packed in a token-id store, and the
    /// collation time of each (<see cref="ExampleStoreBenchmark"/>).
    /// </summary>
    private static Command ExampleStoreCommand(CliContext context)
    {
        var defaults = new ExampleStoreBenchmarkSettings();
        var examples = IntOption("--examples", "Tokenized examples held in each representation.", defaults.Examples);
        var seq = IntOption("--seq", "Input ids per example (eos included).", defaults.Seq);
        var target = IntOption("--target", "Label ids per example.", defaults.Target);
        var vocab = IntOption("--vocab", "Vocabulary size (T5: 32128; above 65536 the store keeps 4 bytes an id).", defaults.Vocabulary);
        var batch = IntOption("--batch", "Examples per collated batch.", defaults.Batch);
        var collateBatches = IntOption("--collate-batches", "Batches collated per representation in one timing round.", defaults.CollateBatches);
        var rounds = IntOption("--rounds", "Timing rounds per representation, alternating between them.", defaults.Rounds);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the ids and batches.", DefaultValueFactory = _ => defaults.Seed };
        var command = new Command(ExampleStoreBenchmark.Name, "RAM per tokenized example as long[] arrays vs packed in a token-id store (extrapolated to the paper's ~1.1 M source examples), and the collation time of each; JSON lines.")
        {
            examples, seq, target, vocab, batch, collateBatches, rounds, seed,
        };
        command.SetAction(parse =>
        {
            var settings = new ExampleStoreBenchmarkSettings(parse.GetValue(examples), parse.GetValue(seq), parse.GetValue(target), parse.GetValue(vocab),
                parse.GetValue(batch), parse.GetValue(collateBatches), parse.GetValue(rounds), parse.GetValue(seed));
            foreach (var line in ExampleStoreBenchmark.Run(settings))
                context.Output.WriteLine(JsonSerializer.Serialize(line));
            return MptCli.Ok;
        });
        return command;
    }

    private static Command SubCommand(CliContext context, string name, string description, Func<BenchmarkSettings, BenchmarkResult> run)
    {
        var defaults = new BenchmarkSettings();
        var shape = ShapeOption(defaults);
        var batch = IntOption("--batch", "Examples per step.", defaults.Batch);
        var seq = IntOption("--seq", "Input tokens per example, without the prompt (the encoder sees prompt + seq positions).", defaults.Seq);
        var target = IntOption("--target", "Label tokens per example (training), or maximum new tokens (generate).", defaults.Target);
        var prompt = IntOption("--prompt", "Prompt length (virtual tokens).", defaults.Prompt);
        var steps = IntOption("--steps", "Measured steps.", defaults.Steps);
        var warmup = IntOption("--warmup", "Unmeasured warm-up steps.", defaults.Warmup);
        var threads = IntOption("--threads", "libtorch intra-op threads.", defaults.Threads);
        var tasks = IntOption("--tasks", "Tasks of the student MultitaskPrompt (distill-step).", defaults.Tasks);
        var rank = IntOption("--rank", "Rank of the task factors u, v (distill-step).", defaults.Rank);
        var seed = new Option<ulong>("--seed") { Description = "Seed for weights, prompts and token ids.", DefaultValueFactory = _ => defaults.Seed };
        var bf16 = new Option<bool>("--bf16") { Description = "Run the frozen backbone in bfloat16 (fast only on CPUs with AVX512-BF16 or AMX)." };

        var cacheTeachers = new Option<bool>("--cache-teachers") { Description = "distill-step: serve the teacher targets from the exact teacher-output cache (measures a second-epoch step, where every example hits)." };
        var checkpointing = new Option<bool>("--activation-checkpointing") { Description = "Training steps: recompute the backbone's blocks in the backward instead of keeping their activations (less memory, about one more forward of compute)." };
        var noDropout = new Option<bool>("--no-dropout") { Description = "Training steps: run the frozen backbone without dropout (eval mode); the prompt still trains." };
        var dropoutKernel = new Option<string>("--dropout-kernel")
        {
            Description = "Training steps: how dropout masks are drawn: exact (libtorch F.dropout, default) or parallel_chunks (same distribution, another random stream, drawn on several threads).",
            DefaultValueFactory = _ => DropoutKernelNames.Exact,
        };
        dropoutKernel.AcceptOnlyFromAmong([.. DropoutKernelNames.All]);
        var attention = new Option<string>("--attention")
        {
            Description = "How the backbone computes attention: fused (libtorch scaled_dot_product_attention, default; used where attention dropout is off) or math (HF's explicit softmax(q k^T + bias) v everywhere).",
            DefaultValueFactory = _ => AttentionKernelNames.Name(defaults.AttentionKernel),
        };
        attention.AcceptOnlyFromAmong([.. AttentionKernelNames.All]);
        var hiddenStateDropout = new Option<string>("--hidden-state-dropout")
        {
            Description = "distill-step: student hidden states of the hidden loss while dropout is on: clean_student_pass (a second, dropout-free student pass) or one_sided (the training pass's). Default the library's, " + BenchmarkSettings.HiddenStateDropoutName(defaults.HiddenStateDropout) + ".",
            DefaultValueFactory = _ => BenchmarkSettings.HiddenStateDropoutName(defaults.HiddenStateDropout),
        };
        hiddenStateDropout.AcceptOnlyFromAmong([.. Enum.GetValues<HiddenStateDropout>().Select(BenchmarkSettings.HiddenStateDropoutName)]);

        var command = new Command(name, description) { shape, batch, seq, target, prompt, steps, warmup, threads, bf16, attention, seed };
        var candidates = IntOption("--candidates", "Label strings each example is scored against (rank-classify).", defaults.Candidates);
        var reEncode = new Option<bool>("--re-encode") { Description = "rank-classify: run the whole model once per candidate instead of reusing the encoder output (the straightforward path, for comparison)." };
        bool isRank = name == RankClassifyBenchmark.Name;
        if (isRank)
        {
            command.Add(candidates);
            command.Add(reEncode);
        }
        bool isTraining = name != GenerateBenchmark.Name && !isRank;
        if (isTraining) command.Add(noDropout);
        if (isTraining) command.Add(dropoutKernel);
        if (isTraining) command.Add(checkpointing);
        // Only the distillation step has tasks; elsewhere the options are not registered and the defaults apply.
        bool hasTasks = name == DistillStepBenchmark.Name;
        if (hasTasks)
        {
            command.Add(tasks);
            command.Add(rank);
            command.Add(cacheTeachers);
            command.Add(hiddenStateDropout);
        }
        command.SetAction(parse =>
        {
            var settings = new BenchmarkSettings
            {
                Shape = parse.GetValue(shape)!,
                Batch = parse.GetValue(batch),
                Seq = parse.GetValue(seq),
                Target = parse.GetValue(target),
                Prompt = parse.GetValue(prompt),
                Steps = parse.GetValue(steps),
                Warmup = parse.GetValue(warmup),
                Threads = parse.GetValue(threads),
                BFloat16 = parse.GetValue(bf16),
                Dropout = !(isTraining && parse.GetValue(noDropout)),
                DropoutKernel = isTraining ? DropoutKernelNames.Parse(parse.GetValue(dropoutKernel)!) : defaults.DropoutKernel,
                AttentionKernel = AttentionKernelNames.Parse(parse.GetValue(attention)!),
                ActivationCheckpointing = isTraining && parse.GetValue(checkpointing),
                Tasks = hasTasks ? parse.GetValue(tasks) : defaults.Tasks,
                Rank = hasTasks ? parse.GetValue(rank) : defaults.Rank,
                CacheTeachers = hasTasks && parse.GetValue(cacheTeachers),
                HiddenStateDropout = hasTasks
                    ? Enum.GetValues<HiddenStateDropout>().Single(v => BenchmarkSettings.HiddenStateDropoutName(v) == parse.GetValue(hiddenStateDropout))
                    : defaults.HiddenStateDropout,
                Seed = parse.GetValue(seed),
                Candidates = isRank ? parse.GetValue(candidates) : defaults.Candidates,
                ReuseEncoderOutput = !(isRank && parse.GetValue(reEncode)),
            };
            settings.Validate();
            context.Output.WriteLine(run(settings).ToJsonLine());
            return MptCli.Ok;
        });
        return command;
    }

    private static double ResidentMib()
    {
        // A compacting full collection returns the garbage of model loading to the system, so it is not counted against the prompts.
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary><c>--shape</c> of every model-shape verb: a known shape (the test-only tiny one included), else one line naming the closest.</summary>
    private static Option<string> ShapeOption(BenchmarkSettings defaults)
    {
        var shape = new Option<string>("--shape")
        {
            Description = $"Model shape: {string.Join(", ", BenchmarkShapes.Names)}.",
            DefaultValueFactory = _ => defaults.Shape,
        };
        shape.Validators.Add(result =>
        {
            string value = result.GetValueOrDefault<string>();
            if (BenchmarkShapes.Contains(value)) return;
            string? closest = Suggestions.Closest(value, BenchmarkShapes.Names);
            result.AddError($"Unknown shape '{value}'.{(closest is null ? "" : $" Did you mean '{closest}'?")} Known shapes: {string.Join(", ", BenchmarkShapes.Names)}.");
        });
        return shape;
    }

    private static Option<int> IntOption(string name, string description, int defaultValue) =>
        new(name) { Description = $"{description} Default {defaultValue}.", DefaultValueFactory = _ => defaultValue };
}
