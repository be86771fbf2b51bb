using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mpt.Reports;

/// <summary>
/// JSON settings shared by the run-folder records (<c>metrics.jsonl</c>, <c>results.json</c>): snake_case names so the
/// files read naturally from Python, required constructor parameters enforced (a missing <c>"loss"</c> is an error, not
/// a silent 0), unknown properties ignored so newer writers stay readable, NaN/Infinity allowed (a diverged loss is
/// still a logged value).
/// </summary>
public static class ReportJson
{
    /// <summary>Indented settings, for <c>results.json</c>.</summary>
    public static readonly JsonSerializerOptions Indented = Create(indented: true);

    /// <summary>Single-line settings, for one <c>metrics.jsonl</c> record per line.</summary>
    public static readonly JsonSerializerOptions Compact = Create(indented: false);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        WriteIndented = indented,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null, // task, method and stage names are data: kept verbatim
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };
}
