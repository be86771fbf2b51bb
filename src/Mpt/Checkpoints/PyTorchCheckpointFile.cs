using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Mpt.Checkpoints;

/// <summary>
/// Reads and writes <c>pytorch_model.bin</c>: a state dict saved with <c>torch.save</c> in the zip format (PyTorch ≥ 1.6
/// default: a zip archive holding <c>data.pkl</c> plus one raw storage file per tensor). Unpickling is done by
/// TorchSharp.PyBridge's <see cref="PyTorchUnpickler"/>; this class adds the checks and one-line error messages.
/// </summary>
public static class PyTorchCheckpointFile
{
    private static readonly byte[] ZipLocalHeader = [0x50, 0x4B, 0x03, 0x04];

    /// <summary>Reads every tensor of a zip-format <c>torch.save</c> state dict onto the CPU in its stored dtype.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">The file uses the legacy (pre-1.6, non-zip) <c>torch.save</c> format.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable state dict (corrupt zip or pickle, a pickled
    /// module instead of a state dict, a non-tensor value).</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: PyTorch checkpoint not found.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var signature = new byte[4];
        int got = stream.ReadAtLeast(signature, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw new InvalidDataException($"{path}: not a PyTorch checkpoint (only {stream.Length} bytes).");
        if (!signature.AsSpan().SequenceEqual(ZipLocalHeader))
        {
            // Legacy torch.save files start with a pickle protocol opcode (0x80) followed by the magic number.
            if (signature[0] == 0x80)
                throw new NotSupportedException($"{path}: legacy (non-zip) torch.save format is not supported; re-save it with PyTorch >= 1.6 (torch.save(torch.load(f), f)) or convert it to model.safetensors.");
            throw new InvalidDataException($"{path}: not a PyTorch checkpoint (no zip signature; starts with {Convert.ToHexString(signature)}).");
        }
        stream.Position = 0;
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: cannot read the PyTorch state dict ({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}).", e);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        string? bad = null;
        foreach (DictionaryEntry kv in table)
        {
            if (kv.Key is string name && kv.Value is Tensor t) result[name] = t;
            else bad ??= $"{kv.Key} ({kv.Value?.GetType().Name ?? "null"})";
        }
        // Same dtypes as safetensors (complex storages, which PyBridge can unpickle, have no use in a T5 state dict).
        string? unsupported = result.Where(kv => !IsSupported(kv.Value.dtype)).Select(kv => $"tensor '{kv.Key}' has unsupported dtype {kv.Value.dtype}")
            .Order(StringComparer.Ordinal).FirstOrDefault();
        if (bad is null && unsupported is not null)
        {
            foreach (var t in result.Values) t.Dispose();
            throw new InvalidDataException($"{path}: {unsupported}.");
        }
        if (bad is not null)
        {
            foreach (var t in result.Values) t.Dispose();
            throw new InvalidDataException($"{path}: not a flat state dict of tensors: entry {bad}.");
        }
        return result;
    }

    private static bool IsSupported(ScalarType type)
    {
        try { _ = SafetensorsFile.DTypeName(type); return true; }
        catch (NotSupportedException) { return false; }
    }

    /// <summary>
    /// Writes a state dict as a zip-format pickle that <c>torch.load</c> reads (via PyBridge's
    /// <see cref="PyTorchPickler"/>). Written to a temporary name and renamed, like <see cref="SafetensorsFile.Write(string, IReadOnlyDictionary{string, Tensor}, IReadOnlyDictionary{string, string}?)"/>.
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var table = new Hashtable();
        var contiguous = new List<Tensor>();
        try
        {
            foreach (var (name, t) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var c = t.detach().cpu().contiguous();
                contiguous.Add(c);
                table[name] = c;
            }
            Serialization.AtomicFile.Write(path, stream => PyTorchPickler.PickleStateDict(stream, table, leaveOpen: true));
        }
        finally
        {
            foreach (var c in contiguous) c.Dispose();
        }
    }
}
