using Mpt.Tests.Infrastructure;
using Xunit;

namespace Mpt.Tests.Encoder;

/// <summary>
/// The BERT folders under <c>encoders/</c> of the golden root: each is a complete Hugging Face folder plus the
/// reference outputs in golden.json. A folder without golden.json fails loudly, as do a root without encoders/.
/// </summary>
internal static class BertGoldenFolders
{
    /// <summary>The golden set's tolerance for every float output of the encoder: |got − want| ≤ 1e-4 + 1e-4·|want|.</summary>
    public const double Abs = 1e-4, Rel = 1e-4;

    public static IReadOnlyList<string> Names()
    {
        string root = GoldenRoot.Combine("encoders");
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"golden root '{GoldenRoot.Path}' has no encoders/ folder.");
        var folders = Directory.GetDirectories(root).OrderBy(d => d, StringComparer.Ordinal).ToList();
        var incomplete = folders.Where(d => !File.Exists(Path.Combine(d, "golden.json"))).ToList();
        if (incomplete.Count > 0)
            throw new InvalidDataException($"golden encoder folder(s) without golden.json: {string.Join(", ", incomplete)}.");
        return folders.Select(d => Path.GetFileName(d)!).ToList();
    }

    public static TheoryData<string> Theory() => new(Names());

    public static string Folder(string name) => GoldenRoot.Combine("encoders", name);
}
