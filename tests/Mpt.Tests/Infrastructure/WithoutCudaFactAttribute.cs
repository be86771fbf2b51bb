using Xunit;

namespace Mpt.Tests.Infrastructure;

/// <summary>
/// A fact about a machine without CUDA (e.g. what <c>--device cuda</c> says there): reported as skipped on a CUDA
/// machine, where the same command runs on the GPU instead, never passed vacuously.
/// </summary>
public sealed class WithoutCudaFactAttribute : FactAttribute
{
    public WithoutCudaFactAttribute()
    {
        if (TorchSharp.torch.cuda.is_available()) Skip = "needs a machine without CUDA (with CUDA the command runs on the GPU)";
    }
}
