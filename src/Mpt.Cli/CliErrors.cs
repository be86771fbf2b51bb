using System.Text.Json;

namespace Mpt.Cli;

/// <summary>
/// Turns failures caused by the user's input into one clear line. The library's exceptions already name the file and
/// the problem; this only strips wrapper exceptions and decides what counts as bad input rather than a bug.
/// </summary>
public static class CliErrors
{
    /// <summary>True for failures that are about the input (files, data, arguments), which get a one-line message.</summary>
    public static bool IsUserFacing(Exception e) => Unwrap(e) is FileNotFoundException or DirectoryNotFoundException
        or InvalidDataException or JsonException or NotSupportedException or ArgumentException or FormatException
        or UnauthorizedAccessException or IOException or KeyNotFoundException or InvalidOperationException
        or Mpt.Data.DataFormatException or Mpt.Tasks.TaskFormatException or Mpt.Pipeline.ConfigException;

    /// <summary>The innermost meaningful message.</summary>
    public static string Describe(Exception e) => Unwrap(e).Message;

    private static Exception Unwrap(Exception e)
    {
        while (e is TypeInitializationException or AggregateException or System.Reflection.TargetInvocationException
               && e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}
