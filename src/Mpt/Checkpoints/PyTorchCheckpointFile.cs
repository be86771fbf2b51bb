using System.Collections;
using System.IO.Compression;
using Mpt.Serialization;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Mpt.Checkpoints;

/// <summary>
/// Reads and writes <c>pytorch_model.bin</c>: a state dict saved with <c>torch.save</c> in the zip format (PyTorch ≥ 1.6
/// default: a zip archive holding <c>data.pkl</c> plus one raw storage file per tensor). Reading uses the restricted
/// <see cref="StateDictPickle"/> reader; writing uses TorchSharp.PyBridge's <see cref="PyTorchPickler"/>.
/// </summary>
public static class PyTorchCheckpointFile
{
    private static readonly byte[] ZipLocalHeader = [0x50, 0x4B, 0x03, 0x04];

    /// <summary>
    /// Largest expansion of a deflated zip entry: DEFLATE cannot encode more than 258 bytes in about 2 bits, so no real
    /// entry inflates beyond ~1032 times its compressed size. An entry that claims more is a zip bomb or a corrupt size,
    /// refused before anything of that size is allocated.
    /// </summary>
    internal const long MaxDeflateRatio = 1032;

    /// <summary>Reads every tensor of a zip-format <c>torch.save</c> state dict onto the CPU in its stored dtype.</summary>
    /// <remarks>
    /// <c>data.pkl</c> is interpreted by <see cref="StateDictPickle"/>, a restricted reader in the spirit of
    /// <c>torch.load(weights_only=True)</c>: only the opcodes and globals a state dict of tensors needs are accepted, any
    /// other global (a pickled module, <c>builtins.eval</c>, ...) is refused by name, and every claimed storage size and
    /// tensor view is checked against the archive before memory is allocated for it.
    /// </remarks>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">The file uses the legacy (pre-1.6, non-zip) <c>torch.save</c> format.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable state dict (corrupt zip or pickle, a pickled
    /// module instead of a state dict, a global or value a state dict does not need, a storage that does not match its
    /// claimed size); the message names the file.</exception>
    public static Dictionary<string, Tensor> Read(string path) => ErrorText.OneLineRejections(() => ReadCore(path));

    private static Dictionary<string, Tensor> ReadCore(string path)
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
        using var zip = Zip(() => new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true), path, "not a readable zip archive");
        var pickles = Zip(() => zip.Entries.Where(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)).ToList(),
            path, "not a readable zip archive");
        if (pickles.Count != 1)
            throw new InvalidDataException($"{path}: a torch.save archive holds one data.pkl, this one holds {pickles.Count}.");
        string prefix = pickles[0].FullName[..^"data.pkl".Length];
        var records = StateDictPickle.Read(ReadEntry(pickles[0], path), path);

        // Same dtypes as safetensors; the storage types StateDictPickle accepts are exactly those.
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, record) in records) result[name] = Materialize(zip, prefix, record, path, name);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Reads a tensor's storage from its zip entry (after checking the entry holds exactly the claimed
    /// elements) and returns the tensor's view of it as a tensor of its own.</summary>
    private static Tensor Materialize(ZipArchive zip, string prefix, StateDictPickle.TensorRecord record, string path, string name)
    {
        var storage = record.Storage;
        string entryName = $"{prefix}data/{storage.Key}";
        var entry = Zip(() => zip.GetEntry(entryName), path, "not a readable zip archive")
            ?? throw new InvalidDataException($"{path}: tensor '{name}': storage '{storage.Key}' has no entry {entryName} in the archive.");
        int elementSize = SafetensorsFile.ElementSize(storage.DType);
        if (storage.ElementCount > entry.Length / elementSize || storage.ElementCount * elementSize != entry.Length)
            throw new InvalidDataException($"{path}: tensor '{name}': storage '{storage.Key}' claims {storage.ElementCount} {storage.StorageType} elements but its entry holds {entry.Length} bytes.");
        CheckExpansion(entry, path);
        using var data = torch.empty(storage.ElementCount, storage.DType);
        Zip(() =>
        {
            using var input = entry.Open();
            SafetensorsFile.ForEachSlice(data, SafetensorsFile.DefaultChunkBytes, (slice, _) =>
            {
                int n = input.ReadAtLeast(slice.bytes, slice.bytes.Length, throwOnEndOfStream: false);
                if (n != slice.bytes.Length)
                    throw new InvalidDataException($"{path}: tensor '{name}': storage entry {entryName} is truncated.");
            });
            return 0;
        }, path, $"cannot read storage entry {entryName}");
        using var view = data.as_strided(record.Shape, record.Stride, record.StorageOffset);
        // A view of the whole storage in order is the storage itself; anything else (a slice, a transposed or shared
        // storage) is copied, so the result never keeps a larger storage alive.
        return view.is_contiguous() && view.NumberOfElements == storage.ElementCount ? view.alias() : view.clone();
    }

    /// <summary>The bytes of a (small) entry, such as data.pkl, after checking its claimed size.</summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, string path)
    {
        CheckExpansion(entry, path);
        if (entry.Length > Array.MaxLength)
            throw new InvalidDataException($"{path}: {entry.FullName} claims {entry.Length} bytes.");
        var bytes = new byte[entry.Length];
        Zip(() =>
        {
            using var input = entry.Open();
            int n = input.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (n != bytes.Length) throw new InvalidDataException($"{path}: {entry.FullName} is truncated ({n} of {bytes.Length} bytes).");
            return 0;
        }, path, $"cannot read {entry.FullName}");
        return bytes;
    }

    private static void CheckExpansion(ZipArchiveEntry entry, string path)
    {
        long fileLength = new FileInfo(path).Length;
        if (entry.CompressedLength > fileLength)
            throw new InvalidDataException($"{path}: zip entry {entry.FullName} claims {entry.CompressedLength} compressed bytes in a {fileLength}-byte file.");
        if (entry.Length > Math.Max(entry.CompressedLength, 1) * MaxDeflateRatio)
            throw new InvalidDataException($"{path}: zip entry {entry.FullName} claims {entry.Length} bytes from {entry.CompressedLength} compressed, more than deflate can expand.");
    }

    /// <summary>Runs a zip operation; the archive's own errors (corrupt headers, bad deflate data, an unsupported
    /// compression method) become one-line errors naming the file.</summary>
    private static T Zip<T>(Func<T> action, string path, string what)
    {
        try { return action(); }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException or ArgumentException
            && !e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {what} ({ErrorText.OneLine(e.Message)}).", e);
        }
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
