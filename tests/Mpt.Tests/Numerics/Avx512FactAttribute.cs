using System.Runtime.Intrinsics.X86;
using Xunit;

namespace Mpt.Tests.Numerics;

/// <summary>
/// A fact that needs a CPU with both AVX2 and AVX-512, so that libtorch's two x86 dispatch levels can be compared on it;
/// elsewhere it is skipped with that reason (never passed without comparing anything).
/// </summary>
public sealed class Avx512FactAttribute : FactAttribute
{
    public Avx512FactAttribute()
    {
        if (!(Avx2.IsSupported && Avx512F.IsSupported))
            Skip = "the CPU lacks AVX-512 (or AVX2), so ATen's avx2 and avx512 dispatch levels cannot both run here";
    }
}
