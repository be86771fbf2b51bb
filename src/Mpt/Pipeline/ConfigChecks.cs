namespace Mpt.Pipeline;

/// <summary>Range checks that throw a <see cref="ConfigException"/> naming the field's path.</summary>
internal static class ConfigChecks
{
    public static void AtLeast(string path, double value, double min)
    {
        if (!(value >= min)) throw new ConfigException($"{path} must be >= {min}, got {value}.");
    }

    public static void Positive(string path, double value)
    {
        if (!(value > 0)) throw new ConfigException($"{path} must be > 0, got {value}.");
    }

    public static void Required(string path, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ConfigException($"{path} is required.");
    }

    public static void Defined<T>(string path, T value) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ConfigException($"{path} must be one of {string.Join(", ", Enum.GetNames<T>().Select(n => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(n)))}, got {value}.");
    }

    public static void OneOf(string path, string value, params string[] allowed)
    {
        if (!allowed.Contains(value, StringComparer.Ordinal))
            throw new ConfigException($"{path} must be one of {string.Join(", ", allowed)}, got '{value}'.");
    }
}
