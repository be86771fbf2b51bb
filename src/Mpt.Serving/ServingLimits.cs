namespace Mpt.Serving;

/// <summary>What one HTTP request may ask for; beyond it the request is refused with a problem naming the limit.</summary>
public sealed record ServingLimits
{
    /// <summary>Inputs in one predict request (400 beyond).</summary>
    public int MaxInputsPerRequest { get; init; } = 64;

    /// <summary>Characters in one input (400 beyond). Tokens beyond <see cref="BatchingOptions.MaxSourceLength"/> are cut, as in <c>mpt predict</c>.</summary>
    public int MaxInputCharacters { get; init; } = 4096;

    /// <summary>Bytes in a request body (413 beyond).</summary>
    public long MaxRequestBodyBytes { get; init; } = 1 << 20;

    /// <summary>
    /// How long a predict request may take from its arrival to its answer (504 beyond); its rows still queued are then
    /// dropped, as when the client disconnects.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>Retry-After</c> of a 429 (queue full) or 503 (not ready), in seconds.</summary>
    public int RetryAfterSeconds { get; init; } = 1;
}
