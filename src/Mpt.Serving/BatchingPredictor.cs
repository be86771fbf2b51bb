using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mpt.Backbones;
using Mpt.Encoder;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Serving;

/// <summary>
/// Answers predict requests of every registered task from one frozen backbone, batching rows of different tasks into one
/// forward pass: one bounded queue for all tasks, one worker that owns the model. The worker drains up to
/// <see cref="BatchingOptions.MaxBatch"/> rows, waiting at most <see cref="BatchingOptions.MaxWait"/> after the first (or,
/// right after a batch, up to <see cref="BatchingOptions.RefillWait"/> for the rows of the clients it answered), and runs
/// a no-grad forward with per-row prompts: row b gets the prompt of its own task, P_{t(b)}, picked from a table of every
/// task's prompt rows, and its task id selects its labels in the similarity verbaliser. This is what an MPT prompt
/// set does in training (a task id per row selects P* ∘ (u_k v_k), Wang et al. 2023, §3.1, eq. 2), here over independently
/// trained prompts too.
/// </summary>
/// <remarks>
/// <para><b>Backbones.</b> Encoders (<c>minilm</c>, BERT folders): the scores are those of <c>mpt predict</c>
/// (<see cref="EncoderRunBackbone.TaskSet.LabelScores"/>): the same examples, prompt rows, forward and verbaliser. T5:
/// one encoder pass per forward with per-row prompts, then rank classification of a task with labels or greedy
/// generation of a task without (<see cref="T5BatchForward"/>), as the evaluator behind <c>mpt predict</c> computes them.</para>
/// <para><b>Modes.</b> <see cref="BatchingMode.Mixed"/> (the default) puts rows of any tasks into one batch;
/// <see cref="BatchingMode.SingleTask"/> only rows of the oldest waiting row's task, holding the others (still queued,
/// oldest first) for later batches; <see cref="BatchingOptions.MaxBatch"/> = 1 is no batching. The last two exist to be
/// compared against (<c>mpt bench serve</c>).</para>
/// <para><b>Prompt lengths.</b> Rows whose prompts differ in length run in separate forwards (one per length present in
/// the drained batch) rather than padding prompts: a padded prompt row would change the positions of the text
/// (BERT adds absolute positions over [P; x]) and hence the scores. Rows of one prompt length are split further by
/// input length where that cuts padding (<see cref="PaddingPlan"/>).</para>
/// <para><b>Inputs</b> are encoded as <c>mpt predict</c> encodes the lines of a .txt file: as they are, after the task
/// prefix when the prompt's <c>mpt_task.json</c> records that its training inputs had one
/// (<see cref="ServedTask.InputPrefix"/>), cut to <see cref="BatchingOptions.MaxSourceLength"/> tokens.</para>
/// <para><b>Cancellation.</b> A request whose token is cancelled completes as cancelled at once; its rows still in the
/// queue are dropped by the worker; rows already in a running forward finish and are discarded.</para>
/// </remarks>
public sealed class BatchingPredictor : IAsyncDisposable
{
    private const string WarmUpText = "warm up";
    private readonly PromptRegistry _registry;
    private readonly BatchingOptions _options;
    private readonly ILogger _logger;
    private readonly EncoderRunBackbone? _encoder;
    private readonly T5BatchForward? _t5;
    private readonly WorkerQueue<QueuedRow> _queue = new();
    // The worker is a thread of its own: a forward blocks it for tens to hundreds of ms, which on a thread-pool thread
    // would take one of the few threads Kestrel and the clients run on (as many as cores to start with), and every
    // forward runs from the same thread, so libtorch's OpenMP team is created once (libgomp keeps one per calling thread).
    private readonly Thread _worker;
    private readonly TaskCompletionSource _workerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The table new requests are queued with; replaced whole by an adapter swap, under the gate so that a request
    // takes its references before the table it read can be released.
    private readonly Lock _tableGate = new();
    private readonly SemaphoreSlim _swap = new(1, 1);
    private PromptTable _table;
    private int _queuedRows;
    private volatile bool _ready;
    private volatile bool _stopping;
    private long _batches, _drained, _rows, _mixed, _dropped, _adapterLoads, _requests;
    // Stopwatch ticks: the worker inside batches, inside the model's forwards, and the rows' waits from queued to their batch.
    private long _busyTicks, _forwardTicks, _queueWaitTicks, _trims, _trimTicks;
    private int _largest;
    private bool _disposed;

    /// <summary>Builds the prompt tables of every task of <paramref name="registry"/> (closed to <see cref="PromptRegistry.Add(string)"/> from now on) and starts the worker.</summary>
    /// <exception cref="ArgumentException">The registry has no task.</exception>
    public BatchingPredictor(PromptRegistry registry, BatchingOptions? options = null, ILogger<BatchingPredictor>? logger = null)
    {
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _options = options ?? new BatchingOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _encoder = registry.Backbone as EncoderRunBackbone;
        _t5 = registry.Backbone is T5RunBackbone t5 ? new T5BatchForward(t5, _options.MaxSourceLength, _options.MaxNewTokens) : null;
        if (registry.Tasks.Count == 0) throw new ArgumentException("no task to serve: register at least one prompt.", nameof(registry));
        registry.Freeze();
        _table = new PromptTable(registry.Backbone, registry, _options.MaxSourceLength, generation: 0);
        Metrics = new ServingMetrics(() => Volatile.Read(ref _queuedRows));
        _worker = new Thread(RunWorker) { IsBackground = true, Name = "Mpt serving worker" };
        _worker.Start();
    }

    /// <summary>The options.</summary>
    public BatchingOptions Options => _options;

    /// <summary>
    /// Called on the worker with the batch's row count after its forwards, before its requests are answered: tests queue
    /// rows from it that arrive, deterministically, while a batch runs.
    /// </summary>
    internal Action<int>? BatchRan { get; set; }

    /// <summary>The registry the prompts come from (changed only through <see cref="SetAdapterAsync"/> and <see cref="RemoveTaskAsync"/> while serving).</summary>
    public PromptRegistry Registry => _registry;

    /// <summary>The tasks served now, in registration order.</summary>
    public IReadOnlyList<ServedTask> Tasks => Volatile.Read(ref _table).Tasks;

    /// <summary>The task <paramref name="name"/> (a name or alias) resolves to now, or null.</summary>
    public ServedTask? Find(string name) => Volatile.Read(ref _table).Find(name);

    /// <summary>The OpenTelemetry instruments (meter <see cref="ServingMetrics.MeterName"/>).</summary>
    public ServingMetrics Metrics { get; }

    /// <summary>Adapters loaded by <see cref="SetAdapterAsync"/> since the start.</summary>
    public long AdapterLoads => Interlocked.Read(ref _adapterLoads);

    /// <summary>Warmed up and not stopping: requests are taken.</summary>
    public bool IsReady => _ready && !_stopping;

    /// <summary>Counters since the start (the warm-up left out).</summary>
    public BatchingStatistics Statistics => new(Interlocked.Read(ref _batches), Interlocked.Read(ref _rows), Volatile.Read(ref _largest),
        Interlocked.Read(ref _mixed), Interlocked.Read(ref _dropped), Volatile.Read(ref _queuedRows))
    {
        DrainedBatches = Interlocked.Read(ref _drained),
        Requests = Interlocked.Read(ref _requests),
        BusyTime = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _busyTicks)),
        ForwardTime = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _forwardTicks)),
        QueueWaitTime = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _queueWaitTicks)),
        NativeHeapTrims = Interlocked.Read(ref _trims),
        NativeHeapTrimTime = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _trimTicks)),
    };

    /// <summary>
    /// Runs one row of every prompt length through the model on the worker (first calls of libtorch's kernels allocate and
    /// tune, and the worker's OpenMP team starts), then takes requests (<see cref="IsReady"/>). No request is queued
    /// before, so the warm-up rows form batches of their own, left out of the counters and metrics.
    /// </summary>
    /// <exception cref="Exception">The forward fails (e.g. out of memory): the predictor stays not ready.</exception>
    public async Task WarmUpAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ready) return;
        List<PendingRequest> requests;
        lock (_tableGate)
        {
            var table = _table;
            requests = table.Lengths.Select(length => new PendingRequest(table.Tasks.First(t => t.PromptLength == length), [WarmUpText], table)).ToList();
            table.AddReferences(requests.Count);
        }
        Interlocked.Add(ref _queuedRows, requests.Count);
        await Task.WhenAll(requests.Select(Enqueue)).ConfigureAwait(false);
        _ready = true;
    }

    /// <summary>Predicts <paramref name="inputs"/> with the prompt of <paramref name="task"/> (a name or alias).</summary>
    /// <param name="task">The task.</param>
    /// <param name="inputs">The texts, one prediction each, in order.</param>
    /// <param name="cancellationToken">Cancels the request; its rows still queued are dropped.</param>
    /// <exception cref="UnknownTaskException">No such task.</exception>
    /// <exception cref="QueueFullException">The queue cannot take the rows now (nothing was queued).</exception>
    /// <exception cref="PredictorUnavailableException">Not warmed up yet, or stopping.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public Task<IReadOnlyList<ServedPrediction>> PredictAsync(string task, IReadOnlyList<string> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(inputs);
        if (Find(task) is null) throw Unknown(task);
        if (!_ready) throw new PredictorUnavailableException("the model is still warming up; retry when /readyz answers 200.");
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_stopping) throw new PredictorUnavailableException("the server is shutting down.");
        int blank = inputs.ToList().FindIndex(i => i is null);
        if (blank >= 0) throw new ArgumentException($"input {blank} is null.", nameof(inputs));
        if (inputs.Count == 0) return Task.FromResult<IReadOnlyList<ServedPrediction>>([]);
        cancellationToken.ThrowIfCancellationRequested();
        // All rows of a request or none: reserve their places first, so a full queue refuses the whole request.
        if (Interlocked.Add(ref _queuedRows, inputs.Count) > _options.QueueCapacity)
        {
            Interlocked.Add(ref _queuedRows, -inputs.Count);
            throw new QueueFullException(_options.QueueCapacity, inputs.Count);
        }
        // The table is read and referenced (one reference per row, given back by the worker) under the gate, so a swap
        // cannot free it in between; every row of the request then uses this table's prompt.
        PromptTable table;
        ServedTask? served;
        lock (_tableGate)
        {
            table = _table;
            served = table.Find(task);
            if (served is not null) table.AddReferences(inputs.Count);
        }
        if (served is null)
        {
            Interlocked.Add(ref _queuedRows, -inputs.Count);
            throw Unknown(task); // removed in between
        }
        var request = new PendingRequest(served, inputs, table);
        request.CancelWith(cancellationToken);
        Interlocked.Increment(ref _requests);
        return Enqueue(request);
    }

    /// <summary>
    /// Queues every row of <paramref name="request"/> at once (their places in <see cref="_queuedRows"/> and their table
    /// references already taken), or none when the queue was closed in between (shutting down).
    /// </summary>
    private Task<IReadOnlyList<ServedPrediction>> Enqueue(PendingRequest request)
    {
        long now = Stopwatch.GetTimestamp();
        int count = request.Inputs.Count;
        if (!_queue.TryAdd(Enumerable.Range(0, count).Select(i => new QueuedRow(request, i, now))))
        {
            Interlocked.Add(ref _queuedRows, -count);
            request.Table.Release(count);
            request.Fail(new PredictorUnavailableException("the server is shutting down."));
        }
        return request.Completion;
    }

    /// <summary>Stops taking requests and finishes the queued ones.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        _queue.Complete();
        await _workerDone.Task.ConfigureAwait(false);
    }

    /// <summary>Stops (finishing queued requests) and frees the prompt tables and label embeddings.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await StopAsync().ConfigureAwait(false);
        await _swap.WaitAsync().ConfigureAwait(false);
        _disposed = true;
        _table.Release(); // the predictor's own reference: every row is done, so this frees it
        _swap.Dispose();
        Metrics.Dispose();
    }

    /// <summary>
    /// Serves the prompt at <paramref name="path"/> as task <paramref name="name"/>: in place of the task the name
    /// resolves to (keeping its name, aliases and, unless the adapter's <c>mpt_task.json</c> says otherwise, its labels),
    /// or as a new task. The prompt is loaded and checked as at start (<see cref="PromptRegistry.Add(string)"/>: the
    /// model fingerprint, the labels); then the tables are rebuilt and swapped in at once: requests queued before keep
    /// the old prompt for all their rows, requests queued after get the new one. One swap at a time. The new tables
    /// (prompt rows, label embeddings) are computed on the calling thread while the worker may be running a forward:
    /// both only read the frozen backbone, under no-grad.
    /// </summary>
    /// <returns>The task now served, and whether it replaced one.</returns>
    /// <exception cref="ArgumentException">The path is a run folder, or the name is unusable.</exception>
    /// <exception cref="Peft.ModelMismatchException">The adapter was saved for other weights.</exception>
    /// <exception cref="Pipeline.ConfigException">The task's labels are unknown.</exception>
    public async Task<(ServedTask Task, bool Replaced)> SetAdapterAsync(string name, string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (RunFolderPrompts.IsRunFolder(path))
            throw new ArgumentException($"'{path}' is a run folder; give one prompt: a PEFT adapter folder or a prompt file.");
        await _swap.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var existing = _registry.Names.GetValueOrDefault(name);
            var task = _registry.Load(existing?.Name ?? name, path, catalogTask: null, fallback: existing?.Definition);
            var old = _registry.Replace(name, task);
            try
            {
                Publish();
            }
            catch
            {
                // Back to the registry the current table was built from.
                if (old is null) _registry.Remove(task.Name);
                else _registry.Replace(task.Name, old);
                _registry.Release(task);
                throw;
            }
            // The tables hold copies of the prompt rows, so the replaced prompt is no longer read.
            if (old is not null) _registry.Release(old);
            Interlocked.Increment(ref _adapterLoads);
            Metrics.AdapterLoaded();
            _logger.LogInformation("adapter {Path} serves task {Task} ({Action})", path, task.Name, old is null ? "added" : "replaced");
            return (task, old is not null);
        }
        finally
        {
            _swap.Release();
        }
    }

    /// <summary>Stops serving the task <paramref name="name"/> resolves to (and its aliases); requests already queued for it are answered.</summary>
    /// <returns>Whether there was such a task.</returns>
    public async Task<bool> RemoveTaskAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        await _swap.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var removed = _registry.Remove(name);
            if (removed is null) return false;
            try
            {
                Publish();
            }
            catch
            {
                _registry.Replace(removed.Name, removed);
                throw;
            }
            _registry.Release(removed);
            _logger.LogInformation("task {Task} removed", removed.Name);
            return true;
        }
        finally
        {
            _swap.Release();
        }
    }

    /// <summary>Builds the table of the registry now and makes it the one new requests use; the old one is freed after its last row.</summary>
    private void Publish()
    {
        var next = new PromptTable(_registry.Backbone, _registry, _options.MaxSourceLength, _table.Generation + 1);
        PromptTable previous;
        lock (_tableGate)
        {
            previous = _table;
            _table = next;
        }
        previous.Release();
    }

    private UnknownTaskException Unknown(string task) => new(task, Tasks.Select(t => t.Name));

    /// <summary>The worker thread: runs batches until the queue is completed and empty.</summary>
    private void RunWorker()
    {
        try
        {
            RunBatches();
            _workerDone.SetResult();
        }
        catch (Exception e)
        {
            // Not expected (a forward's failure fails its rows' requests instead); without a worker nothing is answered,
            // so the predictor stops taking requests and StopAsync reports the error.
            _stopping = true;
            _logger.LogCritical(e, "the batching worker stopped");
            _workerDone.SetException(e);
        }
    }

    private void RunBatches()
    {
        // Rows taken off the queue that the current batch could not take (single-task mode: other tasks' rows), oldest
        // first; they are still counted as queued and go into the next batches before newer rows.
        var held = new List<QueuedRow>();
        var batch = new List<QueuedRow>(_options.MaxBatch);
        // The refill (BatchingOptions.RefillWait): the batch formed right after a batch was answered may wait until
        // refillDeadline for up to refillRows rows in all.
        int refillRows = 0;
        long refillDeadline = 0;
        long lastTrim = Stopwatch.GetTimestamp();
        while (held.Count > 0 || _queue.WaitForItems(Timeout.InfiniteTimeSpan))
        {
            batch.Clear();
            for (int i = 0; i < held.Count && batch.Count < _options.MaxBatch;)
            {
                var row = held[i];
                if (row.Request.IsFinished) { held.RemoveAt(i); Drop(row); }
                else if (Accepts(batch, row)) { held.RemoveAt(i); Take(batch, row); }
                else i++;
            }
            while (batch.Count < _options.MaxBatch)
            {
                if (_queue.TryTake(out var row))
                {
                    if (row.Request.IsFinished) Drop(row);
                    else if (Accepts(batch, row)) Take(batch, row);
                    else held.Add(row);
                    continue;
                }
                // Waiting for more rows of this batch's task while rows of other tasks wait (single-task mode) would
                // idle the model with work queued: run it now. The warm-up (before ready) has no more rows to wait for.
                if (batch.Count == 0 || held.Count > 0 || !_ready) break;
                // The batch closes max-wait after its oldest row was queued: a row that already waited behind a busy
                // worker is not made to wait again.
                long now = Stopwatch.GetTimestamp();
                var remaining = _options.MaxWait - Stopwatch.GetElapsedTime(batch.Min(r => r.QueuedAt), now);
                // ...except for the refill: in a closed loop the clients just answered send their next rows about one
                // round trip later. Without it, rows queued while the last batch ran (other clients') have outwaited
                // max-wait, so the batch closes without the answered clients, whose rows then queue while it runs: two
                // halves of the clients alternate for good, each batch half full.
                if (batch.Count < refillRows) remaining = TimeSpan.FromTicks(Math.Max(remaining.Ticks, Stopwatch.GetElapsedTime(now, refillDeadline).Ticks));
                if (remaining <= TimeSpan.Zero || !_queue.WaitForItems(remaining)) break;
            }
            refillRows = 0; // only the batch right after an answered one waits for its clients
            if (batch.Count > 0)
            {
                bool warmUp = !_ready; // the warm-up's own batch: no request is taken before it is done
                int waiting = Run(batch, warmUp);
                foreach (var row in batch) row.Request.Table.Release();
                // After the answers, so no request waits for it; at most once per interval, since a trim walks every arena.
                if (!warmUp && _options.TrimNativeHeapEvery > TimeSpan.Zero && Stopwatch.GetElapsedTime(lastTrim) >= _options.TrimNativeHeapEvery)
                {
                    long at = Stopwatch.GetTimestamp();
                    if (NativeHeap.Trim())
                    {
                        Interlocked.Increment(ref _trims);
                        Interlocked.Add(ref _trimTicks, Stopwatch.GetTimestamp() - at);
                    }
                    lastTrim = Stopwatch.GetTimestamp();
                }
                // Expected next: the rows queued while this batch ran and as many rows as the requests it completed had
                // (not queued yet: each of their clients waited for its answer). A request with rows left in the queue
                // was not answered, so its client sends nothing.
                if (!warmUp && _options.RefillWait > TimeSpan.Zero)
                {
                    int answered = batch.Select(r => r.Request).Distinct().Where(r => r.IsFinished).Sum(r => r.Inputs.Count);
                    refillRows = Math.Min(_options.MaxBatch, waiting + answered);
                    refillDeadline = Stopwatch.GetTimestamp() + (long)(_options.RefillWait.TotalSeconds * Stopwatch.Frequency);
                }
            }
        }
    }

    /// <summary>Whether <paramref name="row"/> may join <paramref name="batch"/>: always when mixing tasks, else when it is of the batch's task.</summary>
    private bool Accepts(List<QueuedRow> batch, QueuedRow row) =>
        _options.Mode == BatchingMode.Mixed || batch.Count == 0 || ReferenceEquals(batch[0].Request.Task, row.Request.Task);

    private void Take(List<QueuedRow> batch, QueuedRow row)
    {
        Interlocked.Decrement(ref _queuedRows);
        batch.Add(row);
    }

    private void Drop(QueuedRow row)
    {
        Interlocked.Decrement(ref _queuedRows);
        Interlocked.Increment(ref _dropped);
        Metrics.Dropped();
        row.Request.Table.Release();
    }

    /// <summary>
    /// One drained batch: a forward per prompt length, split further by input length where that cuts padding
    /// (<see cref="PaddingPlan"/>), each row's scores narrowed to its task's labels. The counters are updated before any
    /// request is completed, so a caller that got its answer sees the batch in <see cref="Statistics"/>.
    /// </summary>
    /// <returns>The rows queued when the batch's requests were answered (before any of them could send again).</returns>
    private int Run(List<QueuedRow> batch, bool warmUp)
    {
        long start = Stopwatch.GetTimestamp();
        double waited = Stopwatch.GetElapsedTime(batch.Min(r => r.QueuedAt), start).TotalMilliseconds;
        var answers = new List<(QueuedRow Row, ServedPrediction? Prediction, Exception? Error)>(batch.Count);
        int forwards = 0;
        long forwardTicks = 0;
        // Rows queued before and after a swap use their own table (of one generation) and never share a forward.
        foreach (var byLength in batch.GroupBy(r => (r.Request.Table, r.Request.Table.SlotOf(r.Request.Task).Length)))
        {
            var (table, length) = byLength.Key;
            var rows = byLength.ToList();
            try
            {
                // Each row's input is encoded once; the padding plan then cuts the rows into forwards by input length,
                // the same way for both backbones.
                IReadOnlyList<int> inputLengths;
                Func<int[], List<QueuedRow>, IReadOnlyList<ServedPrediction>> forward;
                if (_t5 is not null)
                {
                    var inputs = rows.Select(r => _t5.Encode(r.Request.Task.Format(r.Request.Inputs[r.Index]))).ToList();
                    inputLengths = inputs.Select(i => i.Length).ToList();
                    forward = (run, runRows) =>
                    {
                        long at = Stopwatch.GetTimestamp();
                        var predictions = _t5.Forward(table, length, runRows.Select(r => r.Request.Task).ToList(), run.Select(i => inputs[i]).ToList());
                        forwardTicks += Stopwatch.GetTimestamp() - at;
                        return predictions;
                    };
                }
                else
                {
                    var examples = rows.Select(r => EncoderTrainingExamples.Create(_encoder!.Tokenizer, r.Request.Task.Format(r.Request.Inputs[r.Index]), null, 0,
                        table.SlotOf(r.Request.Task).TaskId, _options.MaxSourceLength)).ToList();
                    inputLengths = examples.Select(e => e.InputIds.Count).ToList();
                    forward = (run, runRows) => Forward(table, table.Group(length), runRows, run.Select(i => examples[i]).ToList(), ref forwardTicks);
                }
                foreach (int[] run in PaddingPlan.Split(inputLengths, length, _options.ForwardOverheadTokens))
                {
                    var runRows = run.Select(i => rows[i]).ToList();
                    answers.AddRange(forward(run, runRows).Select((p, b) => (runRows[b], (ServedPrediction?)p, (Exception?)null)));
                    forwards++;
                }
            }
            catch (Exception e)
            {
                var done = answers.Select(a => a.Row).ToHashSet();
                answers.AddRange(rows.Where(r => !done.Contains(r)).Select(r => (r, (ServedPrediction?)null, (Exception?)e)));
            }
        }
        BatchRan?.Invoke(batch.Count);
        int waiting = Volatile.Read(ref _queuedRows);
        long busy = Stopwatch.GetTimestamp() - start;
        int tasks = batch.Select(r => r.Request.Task).Distinct().Count();
        if (!warmUp) // not serving work: left out of the counters and metrics
        {
            Interlocked.Add(ref _batches, forwards);
            Interlocked.Add(ref _rows, batch.Count);
            Interlocked.Add(ref _queueWaitTicks, batch.Sum(r => start - r.QueuedAt));
            Interlocked.Add(ref _busyTicks, busy);
            Interlocked.Add(ref _forwardTicks, forwardTicks);
            Interlocked.Increment(ref _drained);
            if (tasks > 1) Interlocked.Increment(ref _mixed);
            if (batch.Count > _largest) Volatile.Write(ref _largest, batch.Count);
            Metrics.Batch(batch.Count, batch.Select(r => r.QueuedAt));
        }
        foreach (var (row, prediction, error) in answers)
            if (error is null) row.Request.SetResult(row.Index, prediction!);
            else row.Request.Fail(error);
        _logger.LogDebug("batch of {Rows} rows, {Tasks} tasks, {Forwards} forwards in {Milliseconds:F1} ms after {WaitMilliseconds:F1} ms in the queue; {Queued} rows queued",
            batch.Count, tasks, forwards, Stopwatch.GetElapsedTime(0, busy).TotalMilliseconds, waited, Volatile.Read(ref _queuedRows));
        return waiting;
    }

    /// <summary>One no-grad forward of rows sharing a prompt length, row b with its own task's prompt rows and labels.</summary>
    private static List<ServedPrediction> Forward(PromptTable table, PromptTable.LengthGroup group, List<QueuedRow> rows, List<TrainingExample> examples, ref long forwardTicks)
    {
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        PromptBatch input = group.Collator.Collate(examples);
        var prompts = table.PromptRows(group.Model.PromptLength, rows.Select(r => r.Request.Task).ToList()); // (B, l, d): row b's own task prompt
        long start = Stopwatch.GetTimestamp();
        var scores = group.Model.Score(input, prompts).Scores.to(ScalarType.Float32).cpu(); // (B, Cmax)
        forwardTicks += Stopwatch.GetTimestamp() - start;
        long width = scores.shape[1];
        float[] values = scores.data<float>().ToArray();
        var predictions = new List<ServedPrediction>(rows.Count);
        for (int b = 0; b < rows.Count; b++)
        {
            var labels = table.SlotOf(rows[b].Request.Task).Labels;
            var own = new ArraySegment<float>(values, (int)(b * width), labels.Count);
            var byLabel = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int c = 0; c < labels.Count; c++) byLabel[labels[c]] = own[c];
            predictions.Add(new ServedPrediction(labels[ZeroShotScores.ArgMax(own)], byLabel));
        }
        return predictions;
    }

    /// <summary>Row <paramref name="Index"/> of a request, and when it was queued (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    private readonly record struct QueuedRow(PendingRequest Request, int Index, long QueuedAt);
}
