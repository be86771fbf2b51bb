using System.Net;
using Microsoft.Extensions.Logging;

namespace Mpt.Serving;

/// <summary>Where and how <see cref="MptServer"/> listens.</summary>
public sealed record ServeOptions
{
    /// <summary>The address to bind: loopback unless the user asks for more.</summary>
    public IPAddress Host { get; init; } = IPAddress.Loopback;

    /// <summary>The port; 0 = a free port chosen by the system (read it from <see cref="MptServer.Address"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Request limits.</summary>
    public ServingLimits Limits { get; init; } = new();

    /// <summary>The adapter endpoints (off by default).</summary>
    public AdminOptions Admin { get; init; } = new();

    /// <summary>Logging of the server (none when null).</summary>
    public Action<ILoggingBuilder>? Logging { get; init; }
}
