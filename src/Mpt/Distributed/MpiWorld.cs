namespace Mpt.Distributed;

/// <summary>
/// MPI_COMM_WORLD of a process started by an MPI launcher (<c>mpirun</c>, <c>srun</c>): initialised on first use, once
/// per process, and finalised when the process exits. Without a launcher <see cref="Current"/> is null, libmpi is never
/// loaded and Mpt runs as a single process.
/// </summary>
/// <remarks>
/// A failing rank must not leave the others waiting in a collective: <see cref="AbortIfRunning"/> (called by the CLI
/// after it has printed the error) asks the launcher to end the whole job, as MPI_Abort is specified to. A rank that dies
/// without it (killed, out of memory) is noticed by the launcher, which ends the others too (Open MPI's <c>mpirun</c>
/// prints which rank died and exits non-zero).
/// </remarks>
public sealed class MpiWorld : IDataParallelGroup
{
    private static readonly Lock Gate = new();
    private static MpiWorld? _current;
    private static bool _probed;
    private readonly MpiNative _mpi;

    private MpiWorld(MpiNative mpi)
    {
        _mpi = mpi;
        Rank = mpi.Rank();
        Size = mpi.Size();
    }

    /// <summary>
    /// The world of this process when an MPI launcher started it (initialising MPI on the first call), else null. A
    /// process that writes files checks <see cref="IsWriter"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A launcher started the process but libmpi could not be loaded or initialised.</exception>
    public static MpiWorld? Current
    {
        get
        {
            lock (Gate)
            {
                if (_probed) return _current;
                _probed = true;
                if (!MpiLauncher.IsPresent) return null;
                var mpi = MpiNative.Load();
                mpi.Init();
                _current = new MpiWorld(mpi);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => _current.FinalizeOnExit();
                return _current;
            }
        }
    }

    /// <summary>
    /// The group the training loop uses: <see cref="Current"/> when it has more than one rank, else null (a single rank
    /// trains exactly as a process without a launcher).
    /// </summary>
    public static IDataParallelGroup? TrainingGroup => Current is { Size: > 1 } world ? world : null;

    /// <summary>
    /// True when this process may write run files: always without a launcher, and on rank 0 under one (the other ranks
    /// compute and write nothing, so they never race rank 0 on shared storage).
    /// </summary>
    public static bool IsWriter => !MpiLauncher.IsPresent || Current is not { Rank: > 0 };

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>The libmpi file loaded and how its handles were resolved (for <c>mpt info</c> and logs).</summary>
    public string Library => $"{_mpi.Library} ({_mpi.Family})";

    /// <inheritdoc/>
    public void AllreduceSum(float[] buffer)
    {
        var sum = new float[buffer.Length];
        _mpi.AllreduceSum(buffer, sum);
        sum.CopyTo(buffer, 0);
    }

    /// <inheritdoc/>
    public void Broadcast(byte[] data, int root = 0) => _mpi.Broadcast(data, root);

    /// <inheritdoc/>
    public void Barrier() => _mpi.Barrier();

    /// <summary>
    /// When MPI is running in this process, MPI_Abort with <paramref name="exitCode"/>: the launcher ends every rank and
    /// exits non-zero. Does nothing without a launcher (or before MPI was initialised).
    /// </summary>
    public static void AbortIfRunning(int exitCode)
    {
        MpiWorld? world;
        lock (Gate) world = _current;
        if (world is null || world._mpi.IsFinalized) return;
        Console.Out.Flush();
        Console.Error.Flush();
        world._mpi.Abort(exitCode);
    }

    private void FinalizeOnExit()
    {
        if (!_mpi.IsFinalized) _mpi.FinalizeMpi();
    }
}
