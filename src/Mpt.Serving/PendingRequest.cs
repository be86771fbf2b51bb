namespace Mpt.Serving;

/// <summary>
/// One predict call in flight: its rows' results as they come out of (possibly several) batches, completed when the last
/// row is done. Cancelled or failed requests are complete, so the worker drops their rows still in the queue.
/// </summary>
internal sealed class PendingRequest
{
    private readonly TaskCompletionSource<IReadOnlyList<ServedPrediction>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ServedPrediction[] _results;
    private int _remaining;
    private CancellationTokenRegistration _registration;

    public PendingRequest(ServedTask task, IReadOnlyList<string> inputs, PromptTable table)
    {
        Task = task;
        Table = table;
        Inputs = inputs;
        _results = new ServedPrediction[inputs.Count];
        _remaining = inputs.Count;
    }

    public ServedTask Task { get; }

    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The prompt table every row of the request is answered with (one reference per queued row).</summary>
    public PromptTable Table { get; }

    public Task<IReadOnlyList<ServedPrediction>> Completion => _completion.Task;

    /// <summary>Cancelled, failed or done: its queued rows need no work.</summary>
    public bool IsFinished => _completion.Task.IsCompleted;

    /// <summary>Cancels the request when <paramref name="token"/> is (the client went away): its queued rows are then dropped.</summary>
    public void CancelWith(CancellationToken token)
    {
        if (token.CanBeCanceled) _registration = token.Register(() => _completion.TrySetCanceled(token));
    }

    public void SetResult(int row, ServedPrediction prediction)
    {
        _results[row] = prediction;
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _registration.Dispose();
            _completion.TrySetResult(_results);
        }
    }

    public void Fail(Exception exception)
    {
        _registration.Dispose();
        _completion.TrySetException(exception);
    }
}
