namespace Mpt.Serving;

/// <summary>What <c>mpt bench serve</c> measures: closed-loop clients against a real server, once per batching mode.</summary>
public sealed record ServeBenchmarkSettings
{
    /// <summary>The mode names: rows of any tasks per batch, one task's rows per batch, one row per forward.</summary>
    public static readonly IReadOnlyList<string> ModeNames = ["mixed", "single-task", "no-batching"];

    /// <summary>Concurrent clients, each sending its next request when the previous one is answered.</summary>
    public int Clients { get; init; } = 32;

    /// <summary>Measured requests per mode (all clients together); the run of a mode also stops at <see cref="MaxSeconds"/>.</summary>
    public int Requests { get; init; } = 2000;

    /// <summary>Unmeasured requests per mode before the measurement (connections, first batches).</summary>
    public int WarmupRequests { get; init; } = 64;

    /// <summary>Most seconds one mode's measurement runs; the requests not sent by then are not sent.</summary>
    public double MaxSeconds { get; init; } = 60;

    /// <summary>Inputs per request.</summary>
    public int InputsPerRequest { get; init; } = 1;

    /// <summary>Most rows per batch in the batching modes (no-batching uses 1).</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>The batch wait of the batching modes.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The padding plan's cost of one more forward in the batching modes (<see cref="BatchingOptions.ForwardOverheadTokens"/>).</summary>
    public int ForwardOverheadTokens { get; init; } = PaddingPlan.DefaultForwardOverheadTokens;

    /// <summary>How long a batch may wait for the rows of the clients the previous batch answered, in the batching modes (<see cref="BatchingOptions.RefillWait"/>).</summary>
    public TimeSpan RefillWait { get; init; } = TimeSpan.FromMilliseconds(BatchingOptions.DefaultRefillWaitMs);

    /// <summary>How often the worker trims the C heap (<see cref="BatchingOptions.TrimNativeHeapEvery"/>); zero never. By default as <c>mpt serve</c>.</summary>
    public TimeSpan TrimNativeHeapEvery { get; init; } = TimeSpan.FromSeconds(BatchingOptions.ServerTrimNativeHeapSeconds);

    /// <summary>The modes to run, in order (of <see cref="ModeNames"/>).</summary>
    public IReadOnlyList<string> Modes { get; init; } = ModeNames;

    /// <summary>
    /// How many times the whole list of <see cref="Modes"/> runs, in turn (A B C A B C ...): on a shared machine the load
    /// changes from minute to minute, and modes compared in the same minutes see the same load.
    /// </summary>
    public int Rounds { get; init; } = 1;

    /// <summary>
    /// Whether the clients send HTTP requests to the server (the default) or call the predictor directly, in process:
    /// the batcher and the model alone, without Kestrel, HTTP and JSON on both sides (which share the CPU otherwise).
    /// </summary>
    public bool Http { get; init; } = true;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range (the option is named).</exception>
    public void Validate()
    {
        if (Clients < 1) throw new ArgumentException($"--clients must be at least 1, not {Clients}.");
        if (Requests < 1) throw new ArgumentException($"--requests must be at least 1, not {Requests}.");
        if (WarmupRequests < 0) throw new ArgumentException($"--warmup-requests must not be negative, not {WarmupRequests}.");
        if (!(MaxSeconds > 0)) throw new ArgumentException($"--max-seconds must be positive, not {MaxSeconds}.");
        if (InputsPerRequest < 1) throw new ArgumentException($"--inputs-per-request must be at least 1, not {InputsPerRequest}.");
        if (MaxBatch < 1) throw new ArgumentException($"--max-batch must be at least 1, not {MaxBatch}.");
        if (MaxWait < TimeSpan.Zero) throw new ArgumentException("--max-wait-ms must not be negative.");
        if (RefillWait < TimeSpan.Zero) throw new ArgumentException($"--refill-wait-ms must not be negative, not {RefillWait.TotalMilliseconds}.");
        if (TrimNativeHeapEvery < TimeSpan.Zero) throw new ArgumentException($"--trim-native-heap-seconds must not be negative, not {TrimNativeHeapEvery.TotalSeconds}.");
        if (ForwardOverheadTokens < 0) throw new ArgumentException($"--forward-overhead-tokens must not be negative, not {ForwardOverheadTokens}.");
        if (Rounds < 1) throw new ArgumentException($"--rounds must be at least 1, not {Rounds}.");
        if (Modes.Count == 0) throw new ArgumentException("--modes names no mode.");
        foreach (string mode in Modes)
            if (!ModeNames.Contains(mode)) throw new ArgumentException($"--modes: unknown mode '{mode}'; known: {string.Join(", ", ModeNames)}.");
    }

    /// <summary>The predictor options of mode <paramref name="mode"/>, with a queue that holds every client's request.</summary>
    public BatchingOptions Batching(string mode) => new()
    {
        Mode = mode == "single-task" ? BatchingMode.SingleTask : BatchingMode.Mixed,
        MaxBatch = mode == "no-batching" ? 1 : MaxBatch,
        MaxWait = mode == "no-batching" ? TimeSpan.Zero : MaxWait,
        ForwardOverheadTokens = ForwardOverheadTokens,
        RefillWait = mode == "no-batching" ? TimeSpan.Zero : RefillWait,
        TrimNativeHeapEvery = TrimNativeHeapEvery,
        QueueCapacity = Math.Max(new BatchingOptions().QueueCapacity, Math.Max(MaxBatch, Clients * InputsPerRequest)),
    };
}
