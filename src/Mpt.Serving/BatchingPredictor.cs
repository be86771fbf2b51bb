using System.Diagnostics;
using System.Threading.Channels;
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
/// <see cref="BatchingOptions.MaxBatch"/> rows, waiting at most <see cref="BatchingOptions.MaxWait"/> after the first, and
/// runs a no-grad forward with per-row prompts: row b gets the prompt of its own task, P_{t(b)}, picked from a table of
/// every task's prompt rows, and its task id selects its labels in the similarity verbaliser. This is what an MPT prompt
/// set does in training (a task id per row selects P* ∘ (u_k v_k), Wang et al. 2023, eq. 1), here over independently
/// trained prompts too.
/// </summary>
/// <remarks>
/// <para><b>Backbones.</b> Encoders only (<c>minilm</c>, BERT folders): the scores are those of <c>mpt predict</c>
/// (<see cref="EncoderRunBackbone.TaskSet.LabelScores"/>): the same examples, prompt rows, forward and verbaliser. T5
/// (rank classification, generation) is not served yet; the constructor refuses it.</para>
/// <para><b>Modes.</b> <see cref="BatchingMode.Mixed"/> (the default) puts rows of any tasks into one batch;
/// <see cref="BatchingMode.SingleTask"/> only rows of the oldest waiting row's task, holding the others (still queued,
/// oldest first) for later batches; <see cref="BatchingOptions.MaxBatch"/> = 1 is no batching. The last two exist to be
/// compared against (<c>mpt bench serve</c>).</para>
/// <para><b>Prompt lengths.</b> Rows whose prompts differ in length run in separate forwards (one per length present in
/// the drained batch) rather than padding prompts: a padded prompt row would change the positions of the text
/// (BERT adds absolute positions over [P; x]) and hence the scores. Rows of one prompt length are split further by
/// input length where that cuts padding (<see cref="PaddingPlan"/>).</para>
/// <para><b>Inputs</b> are encoded as they are, as <c>mpt predict</c> encodes the lines of a .txt file (no task prefix,
/// no formatting), cut to <see cref="BatchingOptions.MaxSourceLength"/> tokens.</para>
/// <para><b>Cancellation.</b> A request whose token is cancelled completes as cancelled at once; its rows still in the
/// queue are dropped by the worker; rows already in a running forward finish and are discarded.</para>
/// </remarks>
public sealed class BatchingPredictor : IAsyncDisposable
{
    private const string WarmUpText = "warm up";
    private readonly PromptRegistry _registry;
    private readonly BatchingOptions _options;
    private readonly ILogger _logger;
    private readonly EncoderRunBackbone _encoder;
    private readonly EncoderRunBackbone.TaskSet _set;
    private readonly Dictionary<ServedTask, Slot> _slots = [];
    private readonly Dictionary<int, LengthGroup> _groups = [];
    private readonly Channel<QueuedRow> _queue;
    private readonly Task _worker;
    private int _queuedRows;
    private volatile bool _ready;
    private volatile bool _stopping;
    private long _batches, _drained, _rows, _mixed, _dropped;
    private int _largest;
    private bool _disposed;

    /// <summary>Builds the prompt tables of every task of <paramref name="registry"/> (which is frozen from now on) and starts the worker.</summary>
    /// <exception cref="NotSupportedException">The backbone is T5 (not served yet).</exception>
    /// <exception cref="ArgumentException">The registry has no task.</exception>
    public BatchingPredictor(PromptRegistry registry, BatchingOptions? options = null, ILogger<BatchingPredictor>? logger = null)
    {
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _options = options ?? new BatchingOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _encoder = EnsureServable(registry.Backbone);
        if (registry.Tasks.Count == 0) throw new ArgumentException("no task to serve: register at least one prompt.", nameof(registry));
        registry.Freeze();

        // Task id k of the verbaliser = the k-th distinct task definition (aliases and seeds of one target share its labels).
        var definitions = registry.Tasks.Select(t => t.Definition).DistinctBy(d => d.Name).ToList();
        _set = (EncoderRunBackbone.TaskSet)_encoder.ForTasks(definitions);
        try
        {
            using var noGrad = torch.no_grad();
            foreach (var byLength in registry.Tasks.GroupBy(t => t.PromptLength))
            {
                var tasks = byLength.ToList();
                // Each task's prompt rows P_k [l, d] as the model computes them (a SoftPrompt's table; an MPT prompt's composed P̂_k),
                // stacked into one table [T_l, l, d] that a batch indexes with its rows' task positions.
                Tensor table;
                using (var scope = NewDisposeScope())
                    table = torch.cat(tasks.Select(t => t.Prompt.call(torch.zeros(1, ScalarType.Int64))).ToArray(), 0).detach().MoveToOuterDisposeScope();
                var model = (PromptedEncoder)_set.PromptBackbone.WithPrompt(tasks[0].Prompt);
                model.Train(false);
                _groups[byLength.Key] = new LengthGroup(table, model, model.CreateCollator(_options.MaxSourceLength));
                for (int i = 0; i < tasks.Count; i++)
                    _slots[tasks[i]] = new Slot(definitions.FindIndex(d => d.Name == tasks[i].Definition.Name), byLength.Key, i, tasks[i].Labels);
            }
        }
        catch
        {
            foreach (var g in _groups.Values) g.Table.Dispose();
            _set.Dispose();
            throw;
        }
        _queue = Channel.CreateBounded<QueuedRow>(new BoundedChannelOptions(_options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _worker = Task.Run(RunAsync);
    }

    /// <summary>The backbone as the predictor serves it: an encoder; T5 is refused (not served yet).</summary>
    /// <exception cref="NotSupportedException">A T5 backbone (the message says what to use instead).</exception>
    public static EncoderRunBackbone EnsureServable(IRunBackbone backbone) =>
        backbone as EncoderRunBackbone ?? throw new NotSupportedException(
            $"mpt serve answers with encoder backbones (minilm, BERT folders) only; the {backbone?.Kind} '{backbone?.Name}' is not served yet: use mpt predict for T5 prompts.");

    /// <summary>The options.</summary>
    public BatchingOptions Options => _options;

    /// <summary>The tasks served.</summary>
    public PromptRegistry Registry => _registry;

    /// <summary>Warmed up and not stopping: requests are taken.</summary>
    public bool IsReady => _ready && !_stopping;

    /// <summary>Counters since the start.</summary>
    public BatchingStatistics Statistics => new(Interlocked.Read(ref _batches), Interlocked.Read(ref _rows), Volatile.Read(ref _largest),
        Interlocked.Read(ref _mixed), Interlocked.Read(ref _dropped), Volatile.Read(ref _queuedRows))
    { DrainedBatches = Interlocked.Read(ref _drained) };

    /// <summary>
    /// Runs one row of every prompt length through the model (first calls of libtorch's kernels allocate and tune), then
    /// takes requests (<see cref="IsReady"/>). Runs on the calling thread: no request is queued before it, so the worker is idle.
    /// </summary>
    /// <exception cref="Exception">The forward fails (e.g. out of memory): the predictor stays not ready.</exception>
    public async Task WarmUpAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ready) return;
        foreach (int length in _groups.Keys)
        {
            var row = new QueuedRow(new PendingRequest(_slots.First(s => s.Value.Length == length).Key, [WarmUpText]), 0, Stopwatch.GetTimestamp());
            Run([row]);
            await row.Request.Completion.ConfigureAwait(false);
        }
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
        var served = _registry.Find(task) ?? throw new UnknownTaskException(task, _registry.Tasks.Select(t => t.Name));
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
        var request = new PendingRequest(served, inputs);
        request.CancelWith(cancellationToken);
        long now = Stopwatch.GetTimestamp();
        for (int i = 0; i < inputs.Count; i++)
            if (!_queue.Writer.TryWrite(new QueuedRow(request, i, now)))
            {
                // Only when the queue was closed in between (shutting down): the rows already written are dropped.
                Interlocked.Add(ref _queuedRows, -(inputs.Count - i));
                request.Fail(new PredictorUnavailableException("the server is shutting down."));
                break;
            }
        return request.Completion;
    }

    /// <summary>Stops taking requests and finishes the queued ones.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
    }

    /// <summary>Stops (finishing queued requests) and frees the prompt tables and label embeddings.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await StopAsync().ConfigureAwait(false);
        _disposed = true;
        foreach (var g in _groups.Values) g.Table.Dispose();
        _set.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        // Rows taken off the channel that the current batch could not take (single-task mode: other tasks' rows), oldest
        // first; they are still counted as queued and go into the next batches before newer rows.
        var held = new List<QueuedRow>();
        var batch = new List<QueuedRow>(_options.MaxBatch);
        while (held.Count > 0 || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            for (int i = 0; i < held.Count && batch.Count < _options.MaxBatch;)
            {
                var row = held[i];
                if (row.Request.IsFinished) { held.RemoveAt(i); Drop(); }
                else if (Accepts(batch, row)) { held.RemoveAt(i); Take(batch, row); }
                else i++;
            }
            while (batch.Count < _options.MaxBatch)
            {
                if (reader.TryRead(out var row))
                {
                    if (row.Request.IsFinished) Drop();
                    else if (Accepts(batch, row)) Take(batch, row);
                    else held.Add(row);
                    continue;
                }
                if (batch.Count == 0) break;
                // The batch closes max-wait after its oldest row was queued: a row that already waited behind a busy
                // worker is not made to wait again.
                var remaining = _options.MaxWait - Stopwatch.GetElapsedTime(batch.Min(r => r.QueuedAt));
                if (remaining <= TimeSpan.Zero) break;
                using var wait = new CancellationTokenSource(remaining);
                try
                {
                    if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false)) break;
                }
                catch (OperationCanceledException) when (wait.IsCancellationRequested)
                {
                    break;
                }
            }
            if (batch.Count > 0) Run(batch);
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

    private void Drop()
    {
        Interlocked.Decrement(ref _queuedRows);
        Interlocked.Increment(ref _dropped);
    }

    /// <summary>
    /// One drained batch: a forward per prompt length, split further by input length where that cuts padding
    /// (<see cref="PaddingPlan"/>), each row's scores narrowed to its task's labels. The counters are updated before any
    /// request is completed, so a caller that got its answer sees the batch in <see cref="Statistics"/>.
    /// </summary>
    private void Run(List<QueuedRow> batch)
    {
        var clock = Stopwatch.StartNew();
        var answers = new List<(QueuedRow Row, ServedPrediction? Prediction, Exception? Error)>(batch.Count);
        int forwards = 0;
        foreach (var byLength in batch.GroupBy(r => _slots[r.Request.Task].Length))
        {
            var rows = byLength.ToList();
            try
            {
                var examples = rows.Select(r => EncoderTrainingExamples.Create(_encoder.Tokenizer, r.Request.Inputs[r.Index], null, 0,
                    _slots[r.Request.Task].TaskId, _options.MaxSourceLength)).ToList();
                foreach (int[] run in PaddingPlan.Split(examples.Select(e => e.InputIds.Count).ToList(), byLength.Key))
                {
                    var runRows = run.Select(i => rows[i]).ToList();
                    answers.AddRange(Forward(_groups[byLength.Key], runRows, run.Select(i => examples[i]).ToList())
                        .Select((p, b) => (runRows[b], (ServedPrediction?)p, (Exception?)null)));
                    Interlocked.Increment(ref _batches);
                    forwards++;
                }
            }
            catch (Exception e)
            {
                var done = answers.Select(a => a.Row).ToHashSet();
                answers.AddRange(rows.Where(r => !done.Contains(r)).Select(r => (r, (ServedPrediction?)null, (Exception?)e)));
            }
        }
        Interlocked.Add(ref _rows, batch.Count);
        Interlocked.Increment(ref _drained);
        if (batch.Count > _largest) Volatile.Write(ref _largest, batch.Count);
        int tasks = batch.Select(r => r.Request.Task).Distinct().Count();
        if (tasks > 1) Interlocked.Increment(ref _mixed);
        foreach (var (row, prediction, error) in answers)
            if (error is null) row.Request.SetResult(row.Index, prediction!);
            else row.Request.Fail(error);
        _logger.LogDebug("batch of {Rows} rows, {Tasks} tasks, {Forwards} forwards in {Milliseconds:F1} ms; {Queued} rows queued",
            batch.Count, tasks, forwards, clock.Elapsed.TotalMilliseconds, Volatile.Read(ref _queuedRows));
    }

    /// <summary>One no-grad forward of rows sharing a prompt length, row b with its own task's prompt rows and labels.</summary>
    private List<ServedPrediction> Forward(LengthGroup group, List<QueuedRow> rows, List<TrainingExample> examples)
    {
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        PromptBatch input = group.Collator.Collate(examples);
        var positions = torch.tensor(rows.Select(r => (long)_slots[r.Request.Task].TablePosition).ToArray(), device: group.Table.device);
        var prompts = group.Table.index_select(0, positions);                       // (B, l, d): row b's own task prompt
        var scores = group.Model.Score(input, prompts).Scores.to(ScalarType.Float32).cpu(); // (B, Cmax)
        long width = scores.shape[1];
        float[] values = scores.data<float>().ToArray();
        var predictions = new List<ServedPrediction>(rows.Count);
        for (int b = 0; b < rows.Count; b++)
        {
            var labels = _slots[rows[b].Request.Task].Labels;
            var own = new ArraySegment<float>(values, (int)(b * width), labels.Count);
            var byLabel = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int c = 0; c < labels.Count; c++) byLabel[labels[c]] = own[c];
            predictions.Add(new ServedPrediction(labels[ZeroShotScores.ArgMax(own)], byLabel));
        }
        return predictions;
    }

    /// <summary>Row <paramref name="Index"/> of a request, and when it was queued (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    private readonly record struct QueuedRow(PendingRequest Request, int Index, long QueuedAt);

    /// <summary>Where a task's prompt is: its verbaliser task id, prompt length and row in that length's table; its labels.</summary>
    private sealed record Slot(int TaskId, int Length, int TablePosition, IReadOnlyList<string> Labels);

    /// <summary>The prompts of one length: their table [T, l, d], a prompted encoder of that length, its collator.</summary>
    private sealed record LengthGroup(Tensor Table, PromptedEncoder Model, IBatchCollator Collator);
}
