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

    /// <summary>Runs every mode of <paramref name="settings"/> against the tasks <paramref name="tasks"/> of <paramref name="registry"/>, reporting each when done.</summary>
    public static async Task RunAsync(PromptRegistry registry, IReadOnlyList<ServedTask> tasks, ServeBenchmarkSettings settings, Action<ServeBenchmarkResult> report)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        settings.Validate();
        if (tasks.Count == 0) throw new ArgumentException("no task to send requests to.", nameof(tasks));
        foreach (string mode in settings.Modes)
        {
            var batching = settings.Batching(mode);
            await using var predictor = new BatchingPredictor(registry, batching);
            var limits = new ServingLimits { MaxInputsPerRequest = Math.Max(new ServingLimits().MaxInputsPerRequest, settings.InputsPerRequest) };
            await using var app = MptServer.Create(predictor, new ServeOptions { Port = 0, Limits = limits });
            await app.StartAsync().ConfigureAwait(false);
            try
            {
                await predictor.WarmUpAsync().ConfigureAwait(false);
                using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Clients })
                {
                    BaseAddress = MptServer.Address(app),
                    Timeout = TimeSpan.FromSeconds(settings.MaxSeconds + 30),
                };
                await LoadAsync(client, tasks, settings, settings.WarmupRequests).ConfigureAwait(false);
                var before = predictor.Statistics;
                var load = await LoadAsync(client, tasks, settings, settings.Requests).ConfigureAwait(false);
                var after = predictor.Statistics;
                long drained = after.DrainedBatches - before.DrainedBatches;
                report(new ServeBenchmarkResult
                {
                    Mode = mode,
                    Model = registry.Backbone.Name,
                    Tasks = tasks.Count,
                    RegisteredTasks = registry.Tasks.Count,
                    Clients = settings.Clients,
                    InputsPerRequest = settings.InputsPerRequest,
                    MaxBatch = batching.MaxBatch,
                    MaxWaitMs = batching.MaxWait.TotalMilliseconds,
                    Requests = load.Latencies.Count + load.Failed,
                    Rows = load.Rows,
                    Seconds = Math.Round(load.Seconds, 3),
                    RowsPerS = Math.Round(load.Rows / load.Seconds, 1),
                    P50Ms = Math.Round(Percentile(load.Latencies, 0.50), 2),
                    P99Ms = Math.Round(Percentile(load.Latencies, 0.99), 2),
                    MeanBatchRows = drained == 0 ? 0 : Math.Round((double)(after.Rows - before.Rows) / drained, 2),
                    Forwards = after.Batches - before.Batches,
                    Failed = load.Failed,
                    TimedOut = load.TimedOut,
                    RssMib = Math.Round(Environment.WorkingSet / (1024.0 * 1024.0), 1),
                });
            }
            finally
            {
                await app.StopAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The q-quantile of <paramref name="values"/> by the nearest-rank method (0 when empty).</summary>
    internal static double Percentile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToArray();
        int rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private sealed record LoadOutcome(List<double> Latencies, int Failed, long Rows, double Seconds, bool TimedOut);

    /// <summary>Closed loop: the clients send <paramref name="requests"/> requests in all, or fewer when the time bound is reached first.</summary>
    private static async Task<LoadOutcome> LoadAsync(HttpClient client, IReadOnlyList<ServedTask> tasks, ServeBenchmarkSettings settings, int requests)
    {
        int issued = -1, failed = 0;
        long rows = 0;
        var latencies = new List<double>(requests);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(settings.MaxSeconds));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(async _ =>
        {
            var mine = new List<double>();
            while (!bound.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref issued);
                if (i >= requests) break;
                var task = tasks[i % tasks.Count];
                var inputs = Enumerable.Range(0, settings.InputsPerRequest).Select(j => Texts[TextOf(i * settings.InputsPerRequest + j)]).ToArray();
                long start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsJsonAsync($"v1/tasks/{Uri.EscapeDataString(task.Name)}/predict", new PredictRequest(inputs), bound.Token).ConfigureAwait(false);
                    string body = await response.Content.ReadAsStringAsync(bound.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode && IsAnswer(body, inputs.Length, task.Labels))
                    {
                        mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        Interlocked.Add(ref rows, inputs.Length);
                    }
                    else Interlocked.Increment(ref failed);
                }
                catch (OperationCanceledException) when (bound.IsCancellationRequested)
                {
                    break; // cut by the time bound: neither answered nor failed
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
            lock (latencies) latencies.AddRange(mine);
        })).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        return new LoadOutcome(latencies, failed, rows, seconds, Volatile.Read(ref issued) < requests);
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
