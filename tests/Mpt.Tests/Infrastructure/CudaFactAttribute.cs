using Xunit;

namespace Mpt.Tests.Infrastructure;

/// <summary>A fact that runs only where libtorch sees a CUDA device (skipped, and said so, on the CPU-only build).</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!TorchSharp.torch.cuda.is_available()) Skip = "needs a CUDA device (libtorch reports none)";
    }
}
