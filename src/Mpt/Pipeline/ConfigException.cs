namespace Mpt.Pipeline;

/// <summary>
/// A configuration value is missing, unknown or out of range. The message starts with the field's path in the config
/// file (e.g. <c>distill.lambda must be &gt;= 0</c>), so a user can find it in the JSON.
/// </summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigException(string message, Exception? inner = null) : base(message, inner) { }
}
