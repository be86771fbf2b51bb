using System.IO.Compression;
using System.Text;

namespace Mpt.Tests.Fuzz;

/// <summary>
/// Builds zip-format <c>torch.save</c> archives by hand (archive/data.pkl, archive/data/KEY, archive/version, entries
/// stored as PyTorch writes them), and the protocol-2 pickle opcodes that go in data.pkl, so tests can hold exactly the
/// bytes Python's pickler emits for a state dict, or a hostile variant of them.
/// </summary>
internal static class TorchSaveArchive
{
    /// <summary>An archive with the given data.pkl and storages (key → raw little-endian bytes).</summary>
    public static byte[] Zip(byte[] pickle, IReadOnlyDictionary<string, byte[]>? storages = null)
    {
        var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] bytes)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(bytes);
            }
            Add("archive/data.pkl", pickle);
            foreach (var (key, bytes) in storages ?? new Dictionary<string, byte[]>()) Add($"archive/data/{key}", bytes);
            Add("archive/version", "3\n"u8.ToArray());
        }
        return output.ToArray();
    }

    /// <summary>Protocol-2 pickle opcodes (Lib/pickletools.py names).</summary>
    public static class Op
    {
        public static byte[] Proto => [0x80, 0x02];
        public static byte[] Global(string module, string name) => [(byte)'c', .. Encoding.ASCII.GetBytes($"{module}\n{name}\n")];
        public static byte[] Unicode(string s) => [(byte)'X', .. BitConverter.GetBytes(Encoding.UTF8.GetByteCount(s)), .. Encoding.UTF8.GetBytes(s)];
        public static byte[] Int(int v) => v is >= 0 and < 256 ? [(byte)'K', (byte)v] : [(byte)'J', .. BitConverter.GetBytes(v)];
        public static byte[] BinPut(byte i) => [(byte)'q', i];
        public static byte[] BinGet(byte i) => [(byte)'h', i];
        public static byte[] Mark => [(byte)'('];
        public static byte[] TupleMark => [(byte)'t'];
        public static byte[] Tuple1 => [0x85];
        public static byte[] EmptyTuple => [(byte)')'];
        public static byte[] EmptyDict => [(byte)'}'];
        public static byte[] False => [0x89];
        public static byte[] Reduce => [(byte)'R'];
        public static byte[] BinPersId => [(byte)'Q'];
        public static byte[] SetItem => [(byte)'s'];
        public static byte[] Build => [(byte)'b'];
        public static byte[] Stop => [(byte)'.'];

        /// <summary><c>torch._utils._rebuild_tensor_v2(storage, offset, (size,), (stride,), False, OrderedDict())</c>
        /// of a 1-d tensor, the storage given by <paramref name="storage"/> (a persistent id or a memo get).</summary>
        public static byte[] Tensor1d(byte[] storage, int offset, int size, int stride) =>
        [
            .. Global("torch._utils", "_rebuild_tensor_v2"), .. Mark, .. storage, .. Int(offset), .. Int(size), .. Tuple1,
            .. Int(stride), .. Tuple1, .. False, .. Global("collections", "OrderedDict"), .. EmptyTuple, .. Reduce, .. TupleMark, .. Reduce,
        ];

        /// <summary>The persistent id <c>('storage', torch.FloatStorage, key, 'cpu', numel)</c>.</summary>
        public static byte[] FloatStorage(string key, int numel) =>
            [.. Mark, .. Unicode("storage"), .. Global("torch", "FloatStorage"), .. Unicode(key), .. Unicode("cpu"), .. Int(numel), .. TupleMark, .. BinPersId];
    }
}
