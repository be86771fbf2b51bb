using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Mpt.Prompts;

namespace Mpt.Serving;

/// <summary>
/// One MPT shared prompt P* [l, d] held once for every served task whose prompt is P* ∘ (u_k v_k) with these values
/// (Wang et al. 2023, §3.1, eq. 2: the prompts of one multitask run differ only in u_k, v_k). The registry keys it by
/// the SHA-256 of P*'s values, keeps the first loaded module as its holder, and frees it when its last task goes.
/// </summary>
internal sealed class SharedPrompt(string key, MultitaskPrompt module)
{
    /// <summary>SHA-256 of P*'s shape and float32 values.</summary>
    public string Key { get; } = key;

    /// <summary>The module holding P* (its own u, v are those of the task it was loaded for).</summary>
    public MultitaskPrompt Module { get; } = module;

    /// <summary>Tasks using it.</summary>
    public int Users { get; set; }

    /// <summary>The key of <paramref name="prompt"/>'s P*.</summary>
    public static string KeyOf(MultitaskPrompt prompt)
    {
        using var values = prompt.SharedPrompt.detach().to(TorchSharp.torch.ScalarType.Float32).cpu().contiguous();
        var bytes = MemoryMarshal.AsBytes(values.data<float>().ToArray().AsSpan());
        return $"{string.Join('x', values.shape)}:{Convert.ToHexString(SHA256.HashData(bytes))}";
    }
}
