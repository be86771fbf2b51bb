using Mpt.Checkpoints;
using Mpt.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Mpt.Tests.Checkpoints;

/// <summary>A fresh temporary folder for checkpoint fixtures, deleted on dispose.</summary>
public sealed class TempModelFolder : IDisposable
{
    public TempModelFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mpt-ckpt-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* best effort: a leftover temp folder must not fail a test */ }
    }

    /// <summary>The tensors of a golden model's model.safetensors.</summary>
    public static Dictionary<string, Tensor> GoldenStateDict(string model) =>
        SafetensorsFile.Read(GoldenRoot.Combine("models", model, "model.safetensors"));

    /// <summary>
    /// Writes a safetensors file from raw parts, so tests can build files that the writer would never produce:
    /// <paramref name="headerLength"/> overrides the length field; the header is written as given (no padding).
    /// </summary>
    public static void WriteRawSafetensors(string path, string headerJson, byte[] data, ulong? headerLength = null)
    {
        byte[] header = System.Text.Encoding.UTF8.GetBytes(headerJson);
        using var f = System.IO.File.Create(path);
        f.Write(BitConverter.GetBytes(headerLength ?? (ulong)header.Length));
        f.Write(header);
        f.Write(data);
    }

    public static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
