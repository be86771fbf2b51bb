using TorchSharp;

namespace Mpt.Data;

/// <summary>
/// <c>torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()</c> on CPU, which orders every
/// ATTEMPT split (<c>AbstractTask.shuffled_indices</c>, seed 42 = <c>data_seed</c>). It calls libtorch's own CPU
/// generator (mt19937) and randperm kernel through TorchSharp, so the permutation is the one PyTorch produces;
/// the golden set pins it for several n.
/// </summary>
internal static class TorchRandPerm
{
    /// <summary>A permutation of 0..n-1.</summary>
    public static int[] Permutation(int n, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n == 0) return [];
        using var generator = new torch.Generator(unchecked((ulong)seed));
        using torch.Tensor perm = torch.randperm(n, generator: generator);
        return perm.data<long>().Select(v => checked((int)v)).ToArray();
    }
}
