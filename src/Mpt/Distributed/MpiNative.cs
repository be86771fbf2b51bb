using System.Runtime.InteropServices;

namespace Mpt.Distributed;

/// <summary>
/// A thin binding of the MPI C API (the MPI 3.1 standard's <c>MPI_Init_thread</c>, <c>MPI_Finalize</c>,
/// <c>MPI_Comm_rank</c>/<c>_size</c>, <c>MPI_Allreduce</c>, <c>MPI_Bcast</c>, <c>MPI_Barrier</c>, <c>MPI_Abort</c>)
/// resolved at run time from the installed libmpi, so Mpt needs no MPI package at build time and none at all without a
/// launcher. MPI.NET, the .NET binding, wraps Microsoft MPI only.
/// </summary>
/// <remarks>
/// <para>
/// Handles. The standard leaves the C types of <c>MPI_Comm</c>, <c>MPI_Datatype</c> and <c>MPI_Op</c> to the
/// implementation, and the two families differ: in Open MPI's <c>mpi.h</c> they are pointers and the predefined handles
/// are the addresses of exported globals (<c>#define MPI_COMM_WORLD OMPI_PREDEFINED_GLOBAL(MPI_Comm,
/// ompi_mpi_comm_world)</c>, i.e. <c>&amp;ompi_mpi_comm_world</c>; likewise <c>ompi_mpi_float</c>, <c>ompi_mpi_byte</c>,
/// <c>ompi_mpi_op_sum</c>), so they are only known once the library is loaded and are read with
/// <see cref="NativeLibrary.GetExport"/>: the address of the symbol is the handle. In MPICH and its ABI family (Intel
/// MPI, MVAPICH, libmpi.so.12) they are <c>int</c> constants fixed in its <c>mpi.h</c> (<c>MPI_COMM_WORLD = 0x44000000</c>,
/// <c>MPI_FLOAT = 0x4c00040a</c>, <c>MPI_BYTE = 0x4c00010d</c>, <c>MPI_SUM = 0x58000003</c>). Both are passed as a
/// pointer-sized argument: on x86-64 and arm64 an <c>int</c> argument travels in the low half of the same register.
/// </para>
/// <para>
/// Loading. Open MPI opens its components (<c>mca_*.so</c>: transports, collectives, PMIx) with <c>dlopen</c> during
/// <c>MPI_Init</c>, and they resolve symbols of libmpi and libopen-pal from the global namespace; .NET's
/// <see cref="NativeLibrary.Load(string)"/> opens a library <c>RTLD_LOCAL</c>, after which <c>MPI_Init</c> fails with
/// "undefined symbol" errors from the components. The library is therefore opened with <c>dlopen(RTLD_NOW |
/// RTLD_GLOBAL)</c> (as mpi4py does for the same reason) and its functions are read from that handle.
/// </para>
/// </remarks>
internal sealed unsafe class MpiNative
{
    /// <summary>Environment variable naming the libmpi to load instead of the default search (<see cref="LibraryNames"/>).</summary>
    public const string LibraryVariable = "MPT_MPI_LIBRARY";

    /// <summary>Library names tried in order: Open MPI 3-5 (libmpi.so.40), the MPICH ABI (libmpi.so.12), then the unversioned name.</summary>
    public static readonly IReadOnlyList<string> LibraryNames = ["libmpi.so.40", "libmpi.so.12", "libmpi.so"];

    // MPI_THREAD_SERIALIZED (2 in both families): MPI calls come from one thread at a time, not necessarily the thread
    // that called MPI_Init (the CLI may train on a worker thread while another renders progress).
    private const int ThreadSerialized = 2;

    private const int RtldNow = 2, RtldGlobal = 0x100;

    private readonly delegate* unmanaged<int*, byte***, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _commRank;
    private readonly delegate* unmanaged<nint, int*, int> _commSize;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;

    private MpiNative(string library, nint handle)
    {
        Library = library;
        nint Export(string name) => NativeLibrary.TryGetExport(handle, name, out nint address)
            ? address
            : throw new InvalidOperationException($"{library}: has no symbol {name}; is it an MPI library?");
        _initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export("MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export("MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        if (NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out nint world))
        {
            Family = "Open MPI";
            CommWorld = world;
            Float = Export("ompi_mpi_float");
            Byte = Export("ompi_mpi_byte");
            Sum = Export("ompi_mpi_op_sum");
        }
        else
        {
            Family = "MPICH ABI";
            CommWorld = 0x44000000;
            Float = 0x4c00040a;
            Byte = 0x4c00010d;
            Sum = 0x58000003;
        }
    }

    /// <summary>The library file that was loaded.</summary>
    public string Library { get; }

    /// <summary>"Open MPI" or "MPICH ABI" (how the handles were resolved).</summary>
    public string Family { get; }

    /// <summary>MPI_COMM_WORLD.</summary>
    public nint CommWorld { get; }

    /// <summary>MPI_FLOAT.</summary>
    public nint Float { get; }

    /// <summary>MPI_BYTE.</summary>
    public nint Byte { get; }

    /// <summary>MPI_SUM.</summary>
    public nint Sum { get; }

    /// <summary>Opens libmpi (<see cref="LibraryVariable"/>, else <see cref="LibraryNames"/>) with RTLD_GLOBAL.</summary>
    /// <exception cref="InvalidOperationException">No MPI library could be opened (the names tried and the loader's error are given).</exception>
    public static MpiNative Load()
    {
        var names = Environment.GetEnvironmentVariable(LibraryVariable) is { Length: > 0 } given ? [given] : LibraryNames;
        var errors = new List<string>();
        foreach (string name in names)
        {
            nint handle = dlopen(name, RtldNow | RtldGlobal);
            if (handle != 0) return new MpiNative(name, handle);
            errors.Add(Marshal.PtrToStringUTF8(dlerror()) ?? name);
        }
        throw new InvalidOperationException(
            $"this process was started by an MPI launcher but no MPI library could be loaded ({string.Join("; ", errors)}); " +
            $"install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or set {LibraryVariable} to your libmpi.so.");
    }

    /// <summary>MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED) unless MPI is already initialised.</summary>
    public void Init()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        if (flag != 0) return;
        int provided;
        Check(_initThread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < ThreadSerialized)
            throw new InvalidOperationException($"{Library}: MPI provides thread level {provided}, Mpt needs MPI_THREAD_SERIALIZED ({ThreadSerialized}).");
    }

    /// <summary>True once MPI_Finalize has run.</summary>
    public bool IsFinalized
    {
        get { int flag; Check(_finalized(&flag), "MPI_Finalized"); return flag != 0; }
    }

    /// <summary>MPI_Finalize.</summary>
    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    /// <summary>MPI_Comm_rank(MPI_COMM_WORLD).</summary>
    public int Rank() { int r; Check(_commRank(CommWorld, &r), "MPI_Comm_rank"); return r; }

    /// <summary>MPI_Comm_size(MPI_COMM_WORLD).</summary>
    public int Size() { int s; Check(_commSize(CommWorld, &s), "MPI_Comm_size"); return s; }

    /// <summary>MPI_Allreduce(send, receive, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD).</summary>
    public void AllreduceSum(ReadOnlySpan<float> send, Span<float> receive)
    {
        fixed (float* s = send) fixed (float* r = receive)
            Check(_allreduce(s, r, send.Length, Float, Sum, CommWorld), "MPI_Allreduce");
    }

    /// <summary>MPI_Bcast(data, n, MPI_BYTE, root, MPI_COMM_WORLD).</summary>
    public void Broadcast(Span<byte> data, int root)
    {
        fixed (byte* d = data) Check(_bcast(d, data.Length, Byte, root, CommWorld), "MPI_Bcast");
    }

    /// <summary>MPI_Barrier(MPI_COMM_WORLD).</summary>
    public void Barrier() => Check(_barrier(CommWorld), "MPI_Barrier");

    /// <summary>MPI_Abort(MPI_COMM_WORLD, code): the launcher ends every rank of the job.</summary>
    public void Abort(int code) => _abort(CommWorld, code);

    // MPI's default error handler (MPI_ERRORS_ARE_FATAL) aborts the job before a call returns an error; the check
    // covers a library configured otherwise.
    private void Check(int code, string function)
    {
        if (code != 0) throw new InvalidOperationException($"{Library}: {function} failed with MPI error code {code}.");
    }

    [DllImport("libdl.so.2", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern nint dlopen(string file, int mode);

    [DllImport("libdl.so.2")]
    private static extern nint dlerror();
}
