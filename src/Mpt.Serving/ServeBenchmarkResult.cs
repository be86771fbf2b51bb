using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mpt.Serving;

/// <summary>One batching mode's numbers from <c>mpt bench serve</c>, printed as one JSON line.</summary>
public sealed record ServeBenchmarkResult
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Always <c>serve</c>.</summary>
    public string Bench { get; init; } = "serve";

    /// <summary>The mode: mixed, single-task or no-batching.</summary>
    public required string Mode { get; init; }

    /// <summary>The round (1-based) of <see cref="ServeBenchmarkSettings.Rounds"/>.</summary>
    public required int Round { get; init; }

    /// <summary>Whether the clients sent HTTP requests (false: they called the predictor directly, <see cref="ServeBenchmarkSettings.Http"/>).</summary>
    public required bool Http { get; init; }

    /// <summary>The backbone's name.</summary>
    public required string Model { get; init; }

    /// <summary>Tasks the clients spread their requests over.</summary>
    public required int Tasks { get; init; }

    /// <summary>Tasks registered in the server (at least <see cref="Tasks"/>).</summary>
    public required int RegisteredTasks { get; init; }

    /// <summary>Concurrent clients.</summary>
    public required int Clients { get; init; }

    /// <summary>Inputs per request.</summary>
    public required int InputsPerRequest { get; init; }

    /// <summary>Most rows per batch.</summary>
    public required int MaxBatch { get; init; }

    /// <summary>The batch wait in ms.</summary>
    public required double MaxWaitMs { get; init; }

    /// <summary>The padding plan's cost of one more forward, in token positions (<see cref="BatchingOptions.ForwardOverheadTokens"/>).</summary>
    public required int ForwardOverheadTokens { get; init; }

    /// <summary>How long a batch may wait for the rows of the clients the previous batch answered, in ms (<see cref="BatchingOptions.RefillWait"/>).</summary>
    public required double RefillWaitMs { get; init; }

    /// <summary>Measured requests answered or failed.</summary>
    public required int Requests { get; init; }

    /// <summary>Rows answered with 200.</summary>
    public required long Rows { get; init; }

    /// <summary>Wall-clock seconds of the measurement.</summary>
    public required double Seconds { get; init; }

    /// <summary>Rows answered per second.</summary>
    public required double RowsPerS { get; init; }

    /// <summary>Median request latency (client side: send to answer read), ms.</summary>
    public required double P50Ms { get; init; }

    /// <summary>99th-percentile request latency, ms.</summary>
    public required double P99Ms { get; init; }

    /// <summary>Rows per batch drained by the worker during the measurement.</summary>
    public required double MeanBatchRows { get; init; }

    /// <summary>Forwards run during the measurement (a batch runs one per prompt length, more when split by input length).</summary>
    public required long Forwards { get; init; }

    /// <summary>Mean time of one drained batch in the worker (rows prepared, forwards, answers), ms.</summary>
    public required double BatchMs { get; init; }

    /// <summary>Mean time of one forward (encoder and verbaliser, scores copied out), ms.</summary>
    public required double ForwardMs { get; init; }

    /// <summary>Fraction of the measurement's wall-clock time the worker spent running batches (1 = never idle or waiting).</summary>
    public required double WorkerBusy { get; init; }

    /// <summary>Mean time a row waited from being queued to its batch starting, ms.</summary>
    public required double QueueWaitMs { get; init; }

    /// <summary>CPU time of the whole process (server, clients, HTTP on both sides) per wall-clock second: cores kept busy.</summary>
    public required double ProcessCpu { get; init; }

    /// <summary>libtorch intra-op threads the forwards ran with.</summary>
    public required int TorchThreads { get; init; }

    /// <summary>Requests not answered with 200 and the right number of results, or not answered at all.</summary>
    public required int Failed { get; init; }

    /// <summary>Whether the mode stopped at the time bound before all its requests were sent.</summary>
    public required bool TimedOut { get; init; }

    /// <summary>The process's resident memory after the mode, MiB (<see cref="Environment.WorkingSet"/>).</summary>
    public required double RssMib { get; init; }

    /// <summary>The line printed.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);
}
