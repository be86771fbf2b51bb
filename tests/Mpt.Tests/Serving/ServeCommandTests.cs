using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Mpt.Tests.Cli;
using Mpt.Tests.Infrastructure;
using Mpt.Tests.Pipeline;
using Xunit;

namespace Mpt.Tests.Serving;

/// <summary>
/// <c>mpt serve</c> as a user runs it: a child process on a free loopback port (<c>--port 0</c>, the address printed),
/// answering until SIGTERM, which lets the request in flight finish and exits 0.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class ServeCommandTests(ServingFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public void Should_Refuse_A_Host_That_Is_Not_An_Address_In_One_Line()
    {
        var result = CliRunner.Run("serve", "--model", "minilm", "--prompts", fixture.WeatherAdapter, "--host", "example.org");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--host", result.Error);
    }

    [Fact]
    public void Should_Refuse_A_Source_That_Does_Not_Exist_Before_Listening()
    {
        var result = CliRunner.Run("serve", "--model", "minilm", "--prompts", Path.Combine(fixture.Data.Root, "absent"), "--port", "0");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("absent", result.Error);
        Assert.DoesNotContain("listening", result.Output);
    }

    [LinuxFact]
    public async Task Should_Serve_Until_Sigterm_Then_Finish_The_Request_In_Flight_And_Exit_0()
    {
        // Given: the server as a child process (its tasks' labels from the run's config); a batch waits up to 3 s for more rows, so a lone request is still in flight
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mpt.Cli.dll"));
        // No --task-file: the run folder's config.json names the task file the run was trained with.
        foreach (string a in (string[])["serve", "--model", "minilm", "--port", "0", "--threads", "1",
                     "--max-batch", "8", "--max-wait-ms", "3000", "--prompts", .. fixture.Sources])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            Uri address = await ReadAddressUntilReady(process);
            using var client = new HttpClient { BaseAddress = address, Timeout = Bound };

            // When: a request is in flight (the health answer after it shows the server took it) and SIGTERM arrives
            var inFlight = client.PostAsJsonAsync($"v1/tasks/{UserTaskFolder.Reviews}/predict", new { inputs = new[] { "Great value and excellent quality." } });
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("healthz")).StatusCode);
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                await kill.WaitForExitAsync();

            // Then: the request is answered, the process exits 0 after saying so
            var response = await inFlight;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Single(await RunningServer.ResultsOf(response));
            using var exit = new CancellationTokenSource(Bound);
            await process.WaitForExitAsync(exit.Token);
            string rest = await process.StandardOutput.ReadToEndAsync();
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{rest}\n{await error}");
            Assert.Contains("stopped after", rest);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Reads the child's lines (bounded in time) until "ready"; returns the address of the "listening on" line.</summary>
    private static async Task<Uri> ReadAddressUntilReady(Process process)
    {
        using var timeout = new CancellationTokenSource(Bound);
        Uri? address = null;
        var seen = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.Add(line);
            int at = line.IndexOf("listening on ", StringComparison.Ordinal);
            if (at >= 0) address = new Uri(line[(at + "listening on ".Length)..].Split(' ')[0]);
            if (line == "ready") return address ?? throw new InvalidOperationException("no address before ready:\n" + string.Join('\n', seen));
        }
        throw new InvalidOperationException($"mpt serve ended before it was ready (exit {(process.HasExited ? process.ExitCode : -1)}):\n" + string.Join('\n', seen));
    }
}
