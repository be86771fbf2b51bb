using System.ComponentModel;
using System.Diagnostics;

namespace Mpt.RealData;

/// <summary>
/// Runs one of the registry clients (npm, apt-get, dpkg-deb) as a child process with an argument list (no shell),
/// and turns "program not found" and non-zero exits into <see cref="SourceFetchException"/>s that say what to do.
/// </summary>
internal sealed class ExternalTool(string command, string installHint)
{
    /// <summary>The program name or path that is started.</summary>
    public string Command { get; } = command;

    /// <summary>Runs the tool to completion and returns its standard output; fails on a non-zero exit.</summary>
    public string Run(IReadOnlyList<string> arguments, string workingDirectory, string what)
    {
        using Process process = Start(arguments, workingDirectory, redirectStdout: true);
        // Read both pipes concurrently so neither can fill up and block the child.
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        ThrowOnFailure(process, stderr.Result + stdout, what);
        return stdout;
    }

    /// <summary>
    /// Runs the tool and hands its standard output, as a stream, to <paramref name="consume"/> (used for
    /// <c>dpkg-deb --fsys-tarfile</c>, whose tar output is read without a temporary file).
    /// </summary>
    public void RunStreaming(IReadOnlyList<string> arguments, string workingDirectory, string what, Action<Stream> consume)
    {
        using Process process = Start(arguments, workingDirectory, redirectStdout: true);
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Exception? consumerError = null;
        try
        {
            consume(process.StandardOutput.BaseStream);
        }
        catch (Exception e)
        {
            consumerError = e;
        }
        // Drain what the consumer did not read so the child can exit.
        process.StandardOutput.BaseStream.CopyTo(Stream.Null);
        process.WaitForExit();
        ThrowOnFailure(process, stderr.Result, what);
        if (consumerError is not null)
            throw new SourceFetchException($"{what}: could not read the output of {Command}: {consumerError.Message}", consumerError);
    }

    private Process Start(IReadOnlyList<string> arguments, string workingDirectory, bool redirectStdout)
    {
        var info = new ProcessStartInfo(Command)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = redirectStdout,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        try
        {
            return Process.Start(info) ?? throw new SourceFetchException($"could not start '{Command}'. {installHint}");
        }
        catch (Win32Exception e)
        {
            throw new SourceFetchException($"'{Command}' was not found or could not be started ({e.Message}). {installHint}", e);
        }
    }

    private void ThrowOnFailure(Process process, string output, string what)
    {
        if (process.ExitCode == 0) return;
        string tail = LastLines(output, 6);
        string hint = LooksLikeNetworkFailure(output)
            ? " This looks like a network failure: check the connection to the registry (and any proxy settings), then run the build again; packages already in the cache are not fetched again."
            : "";
        throw new SourceFetchException($"{what} failed: '{Command}' exited with code {process.ExitCode}.{hint}{(tail.Length > 0 ? $" Its output ended with:\n{tail}" : "")}");
    }

    /// <summary>Error markers that npm (Node's errno names) and apt print when the registry cannot be reached.</summary>
    internal static bool LooksLikeNetworkFailure(string output) =>
        new[] { "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNREFUSED", "ECONNRESET", "ENETUNREACH", "network",
                "Temporary failure resolving", "Could not resolve", "Failed to fetch", "Could not connect" }
            .Any(marker => output.Contains(marker, StringComparison.OrdinalIgnoreCase));

    private static string LastLines(string text, int count)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join('\n', lines.TakeLast(count));
    }
}
