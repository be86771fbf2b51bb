using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mpt.Serving;

/// <summary>
/// The OpenTelemetry instruments of a <see cref="BatchingPredictor"/> (meter <see cref="MeterName"/>), exported by
/// <c>mpt serve</c> at <c>GET /metrics</c> in Prometheus text (names there: dots become underscores, counters end in
/// <c>_total</c>, seconds in <c>_seconds</c>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>mpt.serving.queue.depth</c> (gauge, rows): rows waiting now.</item>
/// <item><c>mpt.serving.batch.rows</c> (histogram): rows per drained batch.</item>
/// <item><c>mpt.serving.queue.wait</c> (histogram, s): how long each row waited in the queue before its batch ran.</item>
/// <item><c>mpt.serving.request.duration</c> (histogram, s; tag <c>http.response.status_code</c>): predict requests, arrival to answer.</item>
/// <item><c>mpt.serving.rows</c> (counter): rows predicted; rows/s is its rate.</item>
/// <item><c>mpt.serving.rows.dropped</c> (counter): queued rows dropped (client gone, deadline passed).</item>
/// <item><c>mpt.serving.requests</c> (counter; tags <c>task</c>, <c>http.response.status_code</c>): predict requests per task and status.</item>
/// <item><c>mpt.serving.adapter.loads</c> (counter): adapters loaded at run time.</item>
/// </list>
/// The meter is the predictor's own and is disposed with it; a listener that follows the meter name sees every live
/// predictor of the process.
/// </remarks>
public sealed class ServingMetrics : IDisposable
{
    /// <summary>The meter name to listen to (OpenTelemetry: <c>AddMeter(ServingMetrics.MeterName)</c>).</summary>
    public const string MeterName = "Mpt.Serving";

    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly int[] RowBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];
    private readonly Meter _meter;
    private readonly Histogram<int> _batchRows;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _rows;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _adapterLoads;

    internal ServingMetrics(Func<int> queueDepth)
    {
        _meter = new Meter(MeterName);
        _meter.CreateObservableGauge("mpt.serving.queue.depth", queueDepth, "{row}", "Rows waiting in the queue.");
        _batchRows = _meter.CreateHistogram("mpt.serving.batch.rows", "{row}", "Rows per drained batch.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = RowBuckets });
        _queueWait = _meter.CreateHistogram("mpt.serving.queue.wait", "s", "Time a row waited in the queue before its batch ran.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _requestDuration = _meter.CreateHistogram("mpt.serving.request.duration", "s", "Predict requests, arrival to answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _rows = _meter.CreateCounter<long>("mpt.serving.rows", "{row}", "Rows predicted.");
        _dropped = _meter.CreateCounter<long>("mpt.serving.rows.dropped", "{row}", "Queued rows dropped because their request was cancelled or timed out.");
        _requests = _meter.CreateCounter<long>("mpt.serving.requests", "{request}", "Predict requests by task and status.");
        _adapterLoads = _meter.CreateCounter<long>("mpt.serving.adapter.loads", "{adapter}", "Adapters loaded at run time.");
    }

    internal void Batch(int rows, IEnumerable<long> queuedAt)
    {
        _batchRows.Record(rows);
        _rows.Add(rows);
        long now = Stopwatch.GetTimestamp();
        foreach (long t in queuedAt) _queueWait.Record(Stopwatch.GetElapsedTime(t, now).TotalSeconds);
    }

    internal void Dropped() => _dropped.Add(1);

    internal void AdapterLoaded() => _adapterLoads.Add(1);

    /// <summary>A predict request answered with <paramref name="status"/> after <paramref name="seconds"/>.</summary>
    internal void Request(string task, int status, double seconds)
    {
        var statusTag = new KeyValuePair<string, object?>("http.response.status_code", status);
        _requests.Add(1, new KeyValuePair<string, object?>("task", task), statusTag);
        _requestDuration.Record(seconds, statusTag);
    }

    /// <summary>Ends the instruments.</summary>
    public void Dispose() => _meter.Dispose();
}
