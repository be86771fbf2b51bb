using System.Runtime.InteropServices;
using Mpt.Serving;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// <see cref="NativeHeap"/> on this process's glibc heap: blocks malloc'ed and freed show in its in-use bytes, and freed
/// blocks pinned between live ones stay resident until a trim hands their pages back. Alone in its collection, since
/// resident memory is the whole process's and other tests allocate.
/// </summary>
[Collection(NativeHeapCollection.Name)]
public sealed class NativeHeapTests
{
    private const int Blocks = 512;
    private const int BlockBytes = 96 * 1024; // below malloc's mmap threshold (128 KiB), so the blocks come from an arena

    [Fact]
    public void Should_Count_Heap_Blocks_And_Return_Pinned_Free_Pages_On_Trim()
    {
        if (!IsGlibc()) return; // the type reports itself unavailable there (checked below)
        Assert.True(NativeHeap.IsAvailable);
        var before = NativeHeap.Read()!;
        var blocks = new nint[Blocks];
        var ones = Enumerable.Repeat((byte)1, BlockBytes).ToArray();
        for (int i = 0; i < Blocks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(BlockBytes); // malloc on Unix
            Marshal.Copy(ones, 0, blocks[i], BlockBytes); // touched: resident
        }
        try
        {
            var allocated = NativeHeap.Read()!;
            double total = Blocks * (double)BlockBytes / (1024 * 1024); // 48 MiB
            Assert.True(allocated.InUseMib - before.InUseMib >= 0.9 * total, $"in use {before.InUseMib} → {allocated.InUseMib} MiB after {total} MiB allocated");

            // Every other block freed: each free block sits between two live ones, so malloc keeps it (no heap top to cut).
            for (int i = 0; i < Blocks; i += 2) { Marshal.FreeHGlobal(blocks[i]); blocks[i] = 0; }
            var fragmented = NativeHeap.Read()!;
            Assert.True(allocated.InUseMib - fragmented.InUseMib >= 0.45 * total, $"in use {allocated.InUseMib} → {fragmented.InUseMib} MiB after freeing half");
            Assert.True(fragmented.FreeMib >= 0.45 * total, $"free {fragmented.FreeMib} MiB held after freeing {total / 2} MiB");

            double residentBefore = ResidentMib();
            Assert.True(NativeHeap.Trim());
            double released = residentBefore - ResidentMib();
            // The freed half is 24 MiB of whole pages inside free chunks; half of it is a margin for other threads' allocations.
            Assert.True(released >= 0.25 * total, $"a trim released {released:F1} MiB of the {total / 2} MiB freed");
        }
        finally
        {
            foreach (nint block in blocks) if (block != 0) Marshal.FreeHGlobal(block);
        }
    }

    [Fact]
    public void Should_Report_Unavailable_Instead_Of_Failing_Off_Glibc()
    {
        Assert.Equal(IsGlibc(), NativeHeap.IsAvailable);
        Assert.Equal(NativeHeap.IsAvailable, NativeHeap.Read() is not null);
    }

    private static bool IsGlibc() =>
        OperatingSystem.IsLinux() && !RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase);

    private static double ResidentMib()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) / 1024.0;
    }
}

/// <summary>Runs <see cref="NativeHeapTests"/> alone: resident memory is the whole process's.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeHeapCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "NativeHeap";
}
