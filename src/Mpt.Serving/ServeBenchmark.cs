using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Mpt.Prompts;
using Mpt.Tasks;
using TorchSharp;

namespace Mpt.Serving;

/// <summary>
/// <c>mpt bench serve</c>: a closed-loop load generator against a real <see cref="MptServer"/> on a free loopback port.
/// For each batching mode a fresh predictor and server over the same registry; <see cref="ServeBenchmarkSettings.Clients"/>
/// clients each send a request, wait for its answer and send the next, request i going to task i mod T, until the
/// mode's requests are sent or its time bound is reached. Every answer is checked (200, one result per input, a label of
/// the task's); anything else counts as failed.
/// </summary>
public static class ServeBenchmark
{
    /// <summary>What the clients send, of varied length (the rows of a batch differ in length as real traffic does).</summary>
    private static readonly string[] Texts =
    [
        "Great value.",
        "It broke after a week and support never answered my emails.",
        "The striker scored twice in the final match.",
        "Grey skies and showers all day, with a cold wind from the north in the evening.",
        "Terrible.",
        "The new policy was debated in parliament for three days before the vote, which passed by a narrow margin.",
        "Fresh bread, good coffee, friendly staff.",
        "I would not recommend this hotel to anyone.",
        "Researchers found that the enzyme works twice as fast at higher temperatures than was previously thought.",
        "Works as described.",
        "The court ruled that the contract was void.",
        "A slow, beautiful film about two brothers who meet again after twenty years apart and try to forgive each other.",
    ];

    /// <summary>
    /// Registers <paramref name="count"/> random prompts of length <paramref name="length"/> as tasks <c>bench-K</c>, each
    /// with the labels of a labelled task of <paramref name="catalog"/> in turn: soft prompts, or with
    /// <paramref name="sharedPrompt"/> MPT prompts of one run, P* ∘ (u_k v_k) with one P* and rank-1 u_k, v_k per task
    /// (the registry then holds P* once). Random values: the benchmark measures serving, not answers.
    /// </summary>
    public static IReadOnlyList<ServedTask> AddRandomPrompts(PromptRegistry registry, TaskCatalog catalog, int count, int length, ulong seed, bool sharedPrompt = false)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(catalog);
        if (count < 1) throw new ArgumentException($"--registered-tasks must be at least 1, not {count}.");
        if (length < 1) throw new ArgumentException($"--prompt-length must be at least 1, not {length}.");
        var labelled = catalog.Tasks.Where(t => t.Labels is { Count: > 1 }).ToList();
        if (labelled.Count == 0) throw new ArgumentException("the task catalog has no task with labels to borrow for the benchmark's prompts.");
        int width = registry.Backbone.Fingerprint.Architecture.DModel;
        using var generator = new torch.Generator(seed);
        using var shared = torch.randn([length, width], generator: generator) * 0.5f;
        var added = new List<ServedTask>(count);
        for (int k = 0; k < count; k++)
        {
            using var scope = torch.NewDisposeScope();
            PromptEncoder prompt = sharedPrompt
                ? new MultitaskPrompt(shared, 1f + torch.randn([1, length, 1], generator: generator) * 0.1f, 1f + torch.randn([1, 1, width], generator: generator) * 0.1f)
                : new SoftPrompt(torch.randn([length, width], generator: generator) * 0.5f);
            added.Add(registry.Add($"bench-{k}", labelled[k % labelled.Count], prompt));
        }
        return added;
    }

    /// <summary>
    /// Runs every mode of <paramref name="settings"/> (<see cref="ServeBenchmarkSettings.Rounds"/> times in turn) against
    /// the tasks <paramref name="tasks"/> of <paramref name="registry"/>, reporting each when done.
    /// </summary>
    public static async Task RunAsync(PromptRegistry registry, IReadOnlyList<ServedTask> tasks, ServeBenchmarkSettings settings, Action<ServeBenchmarkResult> report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Check(registry, tasks, settings);
        for (int round = 1; round <= settings.Rounds; round++)
            foreach (string mode in settings.Modes)
                report(await WithServerAsync(registry, settings, mode, async (predictor, send) =>
                {
                    await LoadAsync(send, tasks, settings, settings.WarmupRequests, TimeSpan.FromSeconds(settings.MaxSeconds), new LoadCounters()).ConfigureAwait(false);
                    var before = predictor.Statistics;
                    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                    var load = await LoadAsync(send, tasks, settings, settings.Requests, TimeSpan.FromSeconds(settings.MaxSeconds), new LoadCounters()).ConfigureAwait(false);
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                    var after = predictor.Statistics;
                    long drained = after.DrainedBatches - before.DrainedBatches, forwards = after.Batches - before.Batches, rows = after.Rows - before.Rows;
                    return new ServeBenchmarkResult
                    {
                        Mode = mode,
                        Round = round,
                        Http = settings.Http,
                        Model = registry.Backbone.Name,
                        Tasks = tasks.Count,
                        RegisteredTasks = registry.Tasks.Count,
                        Clients = settings.Clients,
                        InputsPerRequest = settings.InputsPerRequest,
                        MaxBatch = predictor.Options.MaxBatch,
                        MaxWaitMs = predictor.Options.MaxWait.TotalMilliseconds,
                        ForwardOverheadTokens = predictor.Options.ForwardOverheadTokens,
                        RefillWaitMs = predictor.Options.RefillWait.TotalMilliseconds,
                        Requests = load.Latencies.Count + load.Failed,
                        Rows = load.Rows,
                        Seconds = Math.Round(load.Seconds, 3),
                        RowsPerS = Math.Round(load.Rows / load.Seconds, 1),
                        P50Ms = Math.Round(Percentile(load.Latencies, 0.50), 2),
                        P99Ms = Math.Round(Percentile(load.Latencies, 0.99), 2),
                        MeanBatchRows = drained == 0 ? 0 : Math.Round((double)rows / drained, 2),
                        Forwards = forwards,
                        BatchMs = drained == 0 ? 0 : Math.Round((after.BusyTime - before.BusyTime).TotalMilliseconds / drained, 2),
                        ForwardMs = forwards == 0 ? 0 : Math.Round((after.ForwardTime - before.ForwardTime).TotalMilliseconds / forwards, 2),
                        WorkerBusy = Math.Round((after.BusyTime - before.BusyTime).TotalSeconds / load.Seconds, 3),
                        QueueWaitMs = rows == 0 ? 0 : Math.Round((after.QueueWaitTime - before.QueueWaitTime).TotalMilliseconds / rows, 2),
                        ProcessCpu = Math.Round(cpu.TotalSeconds / load.Seconds, 2),
                        TorchThreads = torch.get_num_threads(),
                        Failed = load.Failed,
                        TimedOut = load.TimedOut,
                        RssMib = ResidentMib(),
                    };
                }).ConfigureAwait(false));
    }

    /// <summary>
    /// The memory soak: the first mode of <paramref name="settings"/> under closed-loop load for <paramref name="duration"/>
    /// (no request bound), the process's resident memory sampled every <paramref name="every"/> and reported as it is
    /// taken; then the whole series summed up (<see cref="ServeSoakResult"/>).
    /// </summary>
    public static async Task<ServeSoakResult> SoakAsync(PromptRegistry registry, IReadOnlyList<ServedTask> tasks, ServeBenchmarkSettings settings,
        TimeSpan duration, TimeSpan every, Action<ServeSoakSample> sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        Check(registry, tasks, settings);
        if (duration <= TimeSpan.Zero) throw new ArgumentException("--soak-seconds must be positive.");
        if (every <= TimeSpan.Zero || every > duration) throw new ArgumentException("--sample-seconds must be positive and at most --soak-seconds.");
        string mode = settings.Modes[0];
        return await WithServerAsync(registry, settings, mode, async (predictor, send) =>
        {
            await LoadAsync(send, tasks, settings, settings.WarmupRequests, duration, new LoadCounters()).ConfigureAwait(false);
            var before = predictor.Statistics;
            var counters = new LoadCounters();
            var clock = Stopwatch.StartNew();
            var load = LoadAsync(send, tasks, settings, int.MaxValue, duration, counters);
            var samples = new List<ServeSoakSample>();
            void Take()
            {
                var heap = NativeHeap.Read();
                var taken = new ServeSoakSample
                {
                    Mode = mode,
                    Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                    RssMib = ResidentMib(),
                    ManagedMib = Math.Round(GC.GetTotalMemory(false) / (1024.0 * 1024.0), 1),
                    NativeInUseMib = heap?.InUseMib,
                    NativeFreeMib = heap?.FreeMib,
                    Rows = Interlocked.Read(ref counters.Rows),
                    Failed = Volatile.Read(ref counters.Failed),
                };
                samples.Add(taken);
                sample(taken);
            }
            Take();
            for (int k = 1; ; k++)
            {
                var due = every * k - clock.Elapsed;
                if (due > TimeSpan.Zero && await Task.WhenAny(load, Task.Delay(due)).ConfigureAwait(false) == load) break;
                Take();
            }
            var outcome = await load.ConfigureAwait(false);
            Take();
            var after = predictor.Statistics;
            long trims = after.NativeHeapTrims - before.NativeHeapTrims;
            return ServeSoakResult.Of(mode, samples, outcome.Rows, outcome.Failed, outcome.Seconds, Math.Round(Percentile(outcome.Latencies, 0.99), 2)) with
            {
                TrimNativeHeapS = predictor.Options.TrimNativeHeapEvery.TotalSeconds,
                Trims = trims,
                TrimMs = trims == 0 ? 0 : Math.Round((after.NativeHeapTrimTime - before.NativeHeapTrimTime).TotalMilliseconds / trims, 2),
            };
        }).ConfigureAwait(false);
    }

    /// <summary>The q-quantile of <paramref name="values"/> by the nearest-rank method (0 when empty).</summary>
    internal static double Percentile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToArray();
        int rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static void Check(PromptRegistry registry, IReadOnlyList<ServedTask> tasks, ServeBenchmarkSettings settings)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (tasks.Count == 0) throw new ArgumentException("no task to send requests to.", nameof(tasks));
    }

    /// <summary>The process's resident memory now, MiB (<see cref="Environment.WorkingSet"/>).</summary>
    private static double ResidentMib() => Math.Round(Environment.WorkingSet / (1024.0 * 1024.0), 1);

    /// <summary>
    /// Sends one request of <paramref name="inputs"/> to <paramref name="task"/> and checks the answer: true when it is
    /// one result per input, each labelled with one of the task's labels and scoring all of them.
    /// </summary>
    private delegate Task<bool> Sender(ServedTask task, string[] inputs, CancellationToken cancellationToken);

    /// <summary>
    /// A fresh predictor and server for <paramref name="mode"/> over the same registry, warmed up, and the sender the
    /// clients use (HTTP, or the predictor directly); stopped after <paramref name="body"/>.
    /// </summary>
    private static async Task<T> WithServerAsync<T>(PromptRegistry registry, ServeBenchmarkSettings settings, string mode, Func<BatchingPredictor, Sender, Task<T>> body)
    {
        await using var predictor = new BatchingPredictor(registry, settings.Batching(mode));
        var limits = new ServingLimits { MaxInputsPerRequest = Math.Max(new ServingLimits().MaxInputsPerRequest, settings.InputsPerRequest) };
        await using var app = MptServer.Create(predictor, new ServeOptions { Port = 0, Limits = limits });
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            await predictor.WarmUpAsync().ConfigureAwait(false);
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Clients })
            {
                BaseAddress = MptServer.Address(app),
                Timeout = Timeout.InfiniteTimeSpan, // the load's own time bound cancels a request
            };
            Sender send = settings.Http
                ? async (task, inputs, token) =>
                {
                    using var response = await client.PostAsJsonAsync($"v1/tasks/{Uri.EscapeDataString(task.Name)}/predict", new PredictRequest(inputs), token).ConfigureAwait(false);
                    string answer = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
                    return response.IsSuccessStatusCode && IsAnswer(answer, inputs.Length, task.Labels);
                }
                : async (task, inputs, token) => IsAnswer(await predictor.PredictAsync(task.Name, inputs, token).ConfigureAwait(false), inputs.Length, task.Labels);
            return await body(predictor, send).ConfigureAwait(false);
        }
        finally
        {
            await app.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Answered rows and failed requests so far, updated by the clients as they go.</summary>
    private sealed class LoadCounters
    {
        public long Rows;
        public int Failed;
    }

    private sealed record LoadOutcome(List<double> Latencies, int Failed, long Rows, double Seconds, bool TimedOut);

    /// <summary>Closed loop: the clients send <paramref name="requests"/> requests in all, or fewer when <paramref name="bound"/> passes first.</summary>
    private static async Task<LoadOutcome> LoadAsync(Sender send, IReadOnlyList<ServedTask> tasks, ServeBenchmarkSettings settings, int requests, TimeSpan bound, LoadCounters counters)
    {
        int issued = -1;
        var latencies = new List<double>(Math.Min(requests, 1 << 16));
        using var stop = new CancellationTokenSource(bound);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(async _ =>
        {
            var mine = new List<double>();
            while (!stop.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref issued);
                if (i >= requests) break;
                var task = tasks[i % tasks.Count];
                var inputs = Enumerable.Range(0, settings.InputsPerRequest).Select(j => Texts[TextOf(i * settings.InputsPerRequest + j)]).ToArray();
                long start = Stopwatch.GetTimestamp();
                try
                {
                    if (await send(task, inputs, stop.Token).ConfigureAwait(false))
                    {
                        mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        Interlocked.Add(ref counters.Rows, inputs.Length);
                    }
                    else Interlocked.Increment(ref counters.Failed);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break; // cut by the time bound: neither answered nor failed
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException
                                              or QueueFullException or PredictorUnavailableException or UnknownTaskException)
                {
                    Interlocked.Increment(ref counters.Failed);
                }
            }
            lock (latencies) latencies.AddRange(mine);
        })).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        int sent = Volatile.Read(ref issued);
        return new LoadOutcome(latencies, counters.Failed, Interlocked.Read(ref counters.Rows), seconds, sent < requests);
    }

    /// <summary>
    /// The text of input n: SplitMix64 of n, so that every task and every mode draws the same mix of lengths (a stride
    /// such as n mod 12 with request i going to task i mod 8 would give each task only a few texts, and a single-task
    /// batch less padding than a mixed one).
    /// </summary>
    private static int TextOf(int n)
    {
        ulong z = (ulong)n + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) % (ulong)Texts.Length);
    }

    /// <summary>
    /// The predictor's answer with one prediction per input, each labelled with one of the task's labels and scoring all
    /// of them, or for a task without labels (T5 generation) holding a text.
    /// </summary>
    private static bool IsAnswer(IReadOnlyList<ServedPrediction> predictions, int inputs, IReadOnlyList<string> labels) =>
        predictions.Count == inputs && predictions.All(p => labels.Count == 0 ? p.Text is not null
            : p.Label is not null && labels.Contains(p.Label) && p.Scores.Count == labels.Count && labels.All(p.Scores.ContainsKey));

    /// <summary>
    /// A 200 body with one result per input, each labelled with one of the task's labels and scoring all of them, or
    /// for a task without labels (T5 generation) holding a text.
    /// </summary>
    private static bool IsAnswer(string body, int inputs, IReadOnlyList<string> labels)
    {
        using var doc = JsonDocument.Parse(body);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("results", out var results)
            || results.ValueKind != JsonValueKind.Array || results.GetArrayLength() != inputs)
            return false;
        foreach (var result in results.EnumerateArray())
            if (labels.Count == 0 ? !result.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String
                : !result.TryGetProperty("label", out var label) || !labels.Contains(label.GetString())
                || !result.TryGetProperty("scores", out var scores) || scores.ValueKind != JsonValueKind.Object || scores.EnumerateObject().Count() != labels.Count)
                return false;
        return true;
    }
}
