using System.Buffers.Binary;
using SkiaSharp;
using Xunit;

namespace Mpt.Tests.Reports;

/// <summary>Checks that a file is a real, non-trivial PNG of a given size.</summary>
internal static class PngFile
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Asserts the PNG signature, the IHDR width and height, a size above <paramref name="minBytes"/>, and that the
    /// decoded image has at least <paramref name="minColours"/> distinct colours (a blank or single-colour canvas has 1–2).
    /// </summary>
    public static void AssertPlot(string path, int width, int height, int minBytes = 5_000, int minColours = 20)
    {
        Assert.True(File.Exists(path), $"{path} does not exist");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > minBytes, $"{path}: only {bytes.Length} bytes");
        Assert.Equal(Signature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));

        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal(width, bitmap.Width);
        Assert.Equal(height, bitmap.Height);
        var colours = new HashSet<uint>();
        foreach (var pixel in bitmap.Pixels) colours.Add((uint)pixel);
        Assert.True(colours.Count >= minColours, $"{path}: only {colours.Count} distinct colours");
    }
}
