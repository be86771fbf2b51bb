using System.Runtime.InteropServices;
using System.Text.Json;

namespace Mpt.Cli;

/// <summary>
/// Turns any failure into one line on stderr. The library's exceptions about bad input already name the file or config
/// key and the problem, so their message is the line. Anything else — an error raised inside libtorch (TorchSharp
/// surfaces it as <see cref="ExternalException"/> with the native stack appended to the message), a failed disk, a bug —
/// is still one line, saying what kind of failure it was; the stack trace is printed only with <c>--verbose</c>.
/// </summary>
public static class CliErrors
{
    /// <summary>True for failures that are about the input (files, data, arguments): their message is all a user needs.</summary>
    public static bool IsUserFacing(Exception e) => Unwrap(e) is FileNotFoundException or DirectoryNotFoundException
        or InvalidDataException or JsonException or NotSupportedException or ArgumentException or FormatException
        or UnauthorizedAccessException or IOException or KeyNotFoundException or InvalidOperationException
        or Mpt.Data.DataFormatException or Mpt.Tasks.TaskFormatException or Mpt.Pipeline.ConfigException;

    /// <summary>
    /// The failure as one line (no newline): the innermost meaningful message; for a libtorch error only its first
    /// line (the rest is the native stack), prefixed with <c>libtorch:</c>; for anything that is not about the input,
    /// prefixed with the exception's type so that a bug report can name it.
    /// </summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var inner = Unwrap(e);
        if (inner is ExternalException) return $"libtorch: {FirstLine(inner.Message)}";
        if (IsUserFacing(inner)) return OneLine(inner.Message);
        return $"unexpected {inner.GetType().Name}: {OneLine(inner.Message)}";
    }

    /// <summary>
    /// Writes the failure to <paramref name="error"/>: the <c>error:</c> line, then with <paramref name="verbose"/> the
    /// full exception (type, message, stack trace, inner exceptions). Without it, a failure that is not about the input
    /// says on the same line how to see the details.
    /// </summary>
    public static void Report(TextWriter error, Exception e, bool verbose)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(e);
        string line = $"error: {Describe(e)}";
        if (!verbose && !IsUserFacing(e)) line += " (run with --verbose for the stack trace)";
        error.WriteLine(line);
        if (verbose) error.WriteLine(e.ToString());
    }

    private static string FirstLine(string message)
    {
        string first = message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return first.Length > 0 ? first : "(no message)";
    }

    private static string OneLine(string message)
    {
        string joined = string.Join(' ', message.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        return joined.Length > 0 ? joined : "(no message)";
    }

    private static Exception Unwrap(Exception e)
    {
        while (e is TypeInitializationException or AggregateException or System.Reflection.TargetInvocationException
               && e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}
