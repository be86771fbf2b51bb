using System.Runtime.InteropServices;

namespace Mpt.Serving;

/// <summary>
/// The C heap under libtorch, as glibc's malloc keeps it: how much of it is in use and how much is free but still held
/// by the process (<c>mallinfo2</c>), and handing the free part back to the kernel (<c>malloc_trim</c>). libtorch's CPU
/// allocator takes every tensor's memory from malloc and returns it on free, so a server whose batch shapes vary leaves
/// freed blocks of every size in malloc's arenas; resident memory then grows although no tensor is alive
/// (docs/serving.md, "Memory over a 10-minute soak").
/// </summary>
/// <remarks>
/// glibc only (Linux with glibc ≥ 2.33 for <c>mallinfo2</c>): on any other C library or system both members report
/// that they are unavailable (<see cref="Read"/> null, <see cref="Trim"/> false) instead of failing. Both act on the
/// whole process's heap, which is what a server's memory is.
/// </remarks>
public static class NativeHeap
{
    private static readonly Lazy<bool> Available = new(Probe);

    /// <summary>Whether the process's C library is glibc with <c>mallinfo2</c> and <c>malloc_trim</c>.</summary>
    public static bool IsAvailable => Available.Value;

    /// <summary>
    /// The heap's bytes in use and held free, summed over every malloc arena, in MiB; null where unavailable.
    /// </summary>
    public static NativeHeapUsage? Read()
    {
        if (!IsAvailable) return null;
        var info = MallInfo2();
        const double mib = 1024.0 * 1024.0;
        // uordblks: allocated from the arenas; hblkhd: allocated by mmap of its own (large blocks, returned on free);
        // fordblks: free in the arenas, still resident unless the kernel took the pages back.
        return new NativeHeapUsage(InUseMib: Math.Round((info.uordblks + (double)info.hblkhd) / mib, 1), FreeMib: Math.Round(info.fordblks / mib, 1));
    }

    /// <summary>
    /// Hands the arenas' free pages back to the kernel (<c>malloc_trim(0)</c>: the top of each heap is cut and whole free
    /// pages inside it are released with <c>madvise</c>); the blocks in use are untouched. False where unavailable.
    /// </summary>
    public static bool Trim()
    {
        if (!IsAvailable) return false;
        MallocTrim(0);
        return true;
    }

    private static bool Probe()
    {
        // Looked up, not called: a trial malloc_trim would already release memory.
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad(CLibrary, out nint handle)) return false;
        return NativeLibrary.TryGetExport(handle, "mallinfo2", out _) && NativeLibrary.TryGetExport(handle, "malloc_trim", out _);
    }

    // glibc's struct mallinfo2 (malloc.h): ten size_t fields.
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2Struct
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    // glibc's soname: "libc" alone would resolve to the linker script libc.so, which dlopen cannot load.
    private const string CLibrary = "libc.so.6";

    [DllImport(CLibrary, EntryPoint = "mallinfo2")]
    private static extern MallInfo2Struct MallInfo2();

    [DllImport(CLibrary, EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
