using Mpt.Serialization;
namespace Mpt.Data;

/// <summary>
/// A data file or one of its rows is malformed. The message names the file, the position (line, or row group and
/// row) and, where it applies, the field.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception; the message is prefixed with the location.</summary>
    public DataFormatException(RowLocation location, string message, string? field = null, Exception? inner = null)
        : base(ErrorText.OneLine($"{location}{(field is null ? "" : $", field '{field}'")}: {message}"), inner)
    {
        Location = location;
        Field = field;
    }

    /// <summary>Where the problem is.</summary>
    public RowLocation Location { get; }

    /// <summary>The offending field, when one is to blame.</summary>
    public string? Field { get; }
}
