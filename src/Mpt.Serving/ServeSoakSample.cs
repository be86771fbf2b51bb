using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mpt.Serving;

/// <summary>One memory sample of <c>mpt bench serve --soak-seconds</c>, printed as one JSON line as it is taken.</summary>
public sealed record ServeSoakSample
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Always <c>serve-soak-sample</c>.</summary>
    public string Bench { get; init; } = "serve-soak-sample";

    /// <summary>The batching mode under load.</summary>
    public required string Mode { get; init; }

    /// <summary>Seconds since the soak's load started.</summary>
    [JsonPropertyName("t_s")]
    public required double Seconds { get; init; }

    /// <summary>The process's resident memory, MiB (<see cref="Environment.WorkingSet"/>).</summary>
    public required double RssMib { get; init; }

    /// <summary>The managed heap's live bytes as the GC last knew them, MiB (<see cref="GC.GetTotalMemory"/>, no collection forced).</summary>
    public required double ManagedMib { get; init; }

    /// <summary>The C heap's bytes in use, MiB (<see cref="NativeHeap.Read"/>); null where unavailable (not glibc).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? NativeInUseMib { get; init; }

    /// <summary>The C heap's bytes freed but held by malloc, MiB; null where unavailable.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? NativeFreeMib { get; init; }

    /// <summary>Rows answered so far.</summary>
    public required long Rows { get; init; }

    /// <summary>Requests failed so far.</summary>
    public required int Failed { get; init; }

    /// <summary>The line printed.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);
}
