using TorchSharp;
using Xunit;

namespace Mpt.Tests.Infrastructure;

/// <summary>
/// Fails at once if the libLibTorchSharp.so patch (Directory.Build.targets, docs/stack.md §2) regresses:
/// without it the first use of <c>torch</c> throws TypeInitializationException on libstdc++ &lt; 13.
/// </summary>
public sealed class TorchCanaryTests
{
    [Fact]
    public void Should_Load_Native_Torch_And_Compute()
    {
        using var a = torch.ones(2, 3);
        using var b = a.sum();
        Assert.Equal(6f, b.item<float>());
    }
}
