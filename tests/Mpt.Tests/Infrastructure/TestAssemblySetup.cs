using Xunit;

// Torch tests share process-global state (thread count, dispose-scope statistics per thread): run them serially.
// On 2 cores one torch thread per test is also the fastest and steadiest choice (docs/stack.md §6).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
[assembly: Mpt.Tests.Infrastructure.SingleTorchThread]

namespace Mpt.Tests.Infrastructure;

/// <summary>Sets torch to one intra-op thread before any test runs.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class SingleTorchThreadAttribute : Xunit.Sdk.BeforeAfterTestAttribute
{
    private static bool _done;

    public override void Before(System.Reflection.MethodInfo methodUnderTest)
    {
        if (_done) return;
        TorchSharp.torch.set_num_threads(1);
        _done = true;
    }
}
