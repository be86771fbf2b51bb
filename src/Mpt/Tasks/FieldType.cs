namespace Mpt.Tasks;

/// <summary>The value type a raw example field must have.</summary>
public enum FieldType
{
    /// <summary>A string.</summary>
    String,
    /// <summary>An integer (JSON integer, or a CSV cell that parses as one).</summary>
    Integer,
    /// <summary>A number, integer or floating point.</summary>
    Number,
    /// <summary>A list of strings.</summary>
    StringList,
    /// <summary>A JSON object / struct.</summary>
    Object,
    /// <summary>Anything, including null.</summary>
    Any,
}
