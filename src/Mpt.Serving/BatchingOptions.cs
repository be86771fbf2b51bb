namespace Mpt.Serving;

/// <summary>How a <see cref="BatchingPredictor"/> forms batches.</summary>
public sealed record BatchingOptions
{
    /// <summary>Most rows (inputs, of any tasks) in one forward pass; 1 = no batching.</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>Whether a batch mixes tasks (the default) or holds one task's rows.</summary>
    public BatchingMode Mode { get; init; } = BatchingMode.Mixed;

    /// <summary>How long the worker waits for more rows after the first row of a batch arrived.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// How long after a batch was answered the next batch may wait for the rows of the clients it answered: while it holds
    /// fewer rows than were queued when they were answered plus theirs, and fewer than <see cref="MaxBatch"/>. In a
    /// closed loop (each client sends its next request when answered) this keeps all clients in one batch instead of two
    /// halves that alternate, each drained while the other's clients are still sending (docs/serving.md). Zero: the
    /// batch closes by <see cref="MaxWait"/> alone.
    /// </summary>
    public TimeSpan RefillWait { get; init; } = TimeSpan.FromMilliseconds(DefaultRefillWaitMs);

    /// <summary>The default of <see cref="RefillWait"/> in ms, measured with <c>mpt bench serve</c> (docs/serving.md).</summary>
    public const int DefaultRefillWaitMs = 20;

    /// <summary>Most rows waiting in the queue; a request that would exceed it is refused whole (<see cref="QueueFullException"/>).</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Input tokens per row (cut beyond), as <c>mpt predict --max-source-length</c>.</summary>
    public int MaxSourceLength { get; init; } = 256;

    /// <summary>Most tokens generated for an input of a T5 task without labels, as <c>mpt predict --max-new-tokens</c>.</summary>
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>
    /// What one more forward costs beyond its tokens, expressed in token positions: the padding plan splits a batch by
    /// input length only where that saves more padded positions than this (<see cref="PaddingPlan"/>). 0 splits wherever
    /// any padding is saved; a very large value never splits. The default is a choice, not a measurement (docs/serving.md).
    /// </summary>
    public int ForwardOverheadTokens { get; init; } = PaddingPlan.DefaultForwardOverheadTokens;

    /// <summary>
    /// How often the worker hands the C heap's free pages back to the kernel (<see cref="NativeHeap.Trim"/>), right after a
    /// batch was answered; zero (the default) never does. Batches of changing shapes leave libtorch's freed buffers in
    /// malloc's arenas, and without a trim resident memory keeps growing although no tensor is alive (docs/serving.md,
    /// "Memory over a 10-minute soak"). glibc only. Off by default because a trim acts on the whole process's heap: a
    /// host that owns its process turns it on (<c>mpt serve</c> does, every <see cref="ServerTrimNativeHeapSeconds"/> s).
    /// </summary>
    public TimeSpan TrimNativeHeapEvery { get; init; } = TimeSpan.Zero;

    /// <summary>The trim interval of <c>mpt serve</c> and <c>mpt bench serve</c>, in seconds (a trim took about 23 ms in the soak of docs/serving.md).</summary>
    public const int ServerTrimNativeHeapSeconds = 10;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (its name is given).</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "unknown batching mode.");
        if (MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "max batch must be at least 1.");
        if (MaxWait < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxWait), MaxWait, "max wait must not be negative.");
        if (TrimNativeHeapEvery < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(TrimNativeHeapEvery), TrimNativeHeapEvery, "the native heap trim interval must not be negative.");
        if (RefillWait < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RefillWait), RefillWait, "refill wait must not be negative.");
        if (QueueCapacity < MaxBatch) throw new ArgumentOutOfRangeException(nameof(QueueCapacity), QueueCapacity, $"queue capacity must be at least max batch ({MaxBatch}).");
        if (MaxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "max new tokens must be at least 1.");
        if (ForwardOverheadTokens < 0) throw new ArgumentOutOfRangeException(nameof(ForwardOverheadTokens), ForwardOverheadTokens, "forward overhead tokens must not be negative.");
        if (MaxSourceLength < 2) throw new ArgumentOutOfRangeException(nameof(MaxSourceLength), MaxSourceLength, "max source length must leave room for [CLS] and [SEP].");
    }
}
