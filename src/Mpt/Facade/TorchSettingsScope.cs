using TorchSharp;
using static TorchSharp.torch;

namespace Mpt;

/// <summary>
/// Scopes the process-wide torch state a facade call changes: the trainers seed torch's global CPU generator (dropout
/// masks draw from it, and exact resume stores it), and <see cref="PromptTunerOptions.Threads"/> sets the intra-op thread
/// count. Both are put back as they were when the call returns or throws, so a caller's own random stream and thread
/// setting are not changed behind its back. (While a call runs, other torch work in the process shares that state.)
/// </summary>
internal sealed class TorchSettingsScope : IDisposable
{
    private readonly Tensor _generatorState;
    private readonly int? _previousThreads;

    private TorchSettingsScope(int? threads)
    {
        _generatorState = torch.random.get_rng_state().DetachFromDisposeScope();
        if (threads is { } n)
        {
            _previousThreads = torch.get_num_threads();
            torch.set_num_threads(n);
        }
    }

    /// <summary>Saves the generator state and applies <paramref name="threads"/> (null = keep the current count).</summary>
    public static TorchSettingsScope Enter(int? threads) => new(threads);

    /// <summary>Restores the generator state and the thread count.</summary>
    public void Dispose()
    {
        torch.random.set_rng_state(_generatorState);
        _generatorState.Dispose();
        if (_previousThreads is { } n) torch.set_num_threads(n);
    }
}
