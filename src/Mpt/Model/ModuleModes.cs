using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Model;

/// <summary>
/// The train/eval flags of a module and all its descendants, in <c>modules()</c> order (pre-order: a module before its
/// children), so that a recomputation can run in the modes of the first run (<see cref="BlockCheckpoint"/>).
/// </summary>
internal static class ModuleModes
{
    /// <summary>The flag of every module of <paramref name="root"/>.</summary>
    public static bool[] Of(nn.Module root) => root.modules().Select(m => m.training).ToArray();

    /// <summary>Sets the flags <paramref name="modes"/> (from <see cref="Of"/>) and puts the current ones back on dispose.</summary>
    public static IDisposable Replay(nn.Module root, bool[] modes)
    {
        var current = Of(root);
        Set(root, modes);
        return new Restore(root, current);
    }

    private static void Set(nn.Module root, bool[] modes)
    {
        // train(bool) recurses into the children; in pre-order every child is set after its parent, so each module ends
        // with its own flag.
        int i = 0;
        foreach (var module in root.modules())
        {
            if (module.training != modes[i]) module.train(modes[i]);
            i++;
        }
    }

    private sealed class Restore(nn.Module root, bool[] modes) : IDisposable
    {
        public void Dispose() => Set(root, modes);
    }
}
