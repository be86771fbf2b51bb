using System.Text;

namespace Mpt.RealData;

/// <summary>Small text helpers shared by the task builders.</summary>
internal static class SourceText
{
    private static readonly UTF8Encoding LenientUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Reads a file as UTF-8, replacing invalid bytes with U+FFFD (some corpora are Latin-1 in places).</summary>
    public static string ReadAllText(string path) => File.ReadAllText(path, LenientUtf8);

    /// <summary>Lines of a file (UTF-8, lenient), without line terminators.</summary>
    public static string[] ReadAllLines(string path) => File.ReadAllLines(path, LenientUtf8);

    /// <summary>Collapses every run of white space (including new lines) into one space and trims the ends.</summary>
    public static string CollapseWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace) builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>Number of white-space-separated words.</summary>
    public static int WordCount(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>
    /// At most <paramref name="maxChars"/> characters, cut at the last space before the limit (when there is one in
    /// the second half) so no word is split.
    /// </summary>
    public static string Truncate(string text, int maxChars)
    {
        if (text.Length <= maxChars) return text;
        int space = text.LastIndexOf(' ', maxChars);
        return (space > maxChars / 2 ? text[..space] : text[..maxChars]).TrimEnd();
    }

    /// <summary>Files of <paramref name="dir"/> matching <paramref name="pattern"/>, sorted by ordinal name (file-system order varies).</summary>
    public static string[] SortedFiles(string dir, string pattern)
    {
        string[] files = Directory.GetFiles(dir, pattern);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>Throws a clear error when a file a builder needs is missing from a package folder.</summary>
    public static string RequireFile(string dir, string relative, PinnedPackage package)
    {
        string path = Path.Combine(dir, relative);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{package.Spec}: expected file '{relative}' in {dir} (is the folder the unpacked package?)", path);
    }

    /// <summary>Throws a clear error when a folder a builder needs is missing from a package folder.</summary>
    public static string RequireDirectory(string dir, string relative, PinnedPackage package)
    {
        string path = Path.Combine(dir, relative);
        return Directory.Exists(path)
            ? path
            : throw new DirectoryNotFoundException($"{package.Spec}: expected folder '{relative}' in {dir} (is the folder the unpacked package?)");
    }
}
