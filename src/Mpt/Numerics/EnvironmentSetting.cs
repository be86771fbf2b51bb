namespace Mpt.Numerics;

/// <summary>One environment variable of the reproducible mode.</summary>
/// <param name="Name">Variable name.</param>
/// <param name="Value">Required value.</param>
/// <param name="Why">What it pins, for messages and docs.</param>
public sealed record EnvironmentSetting(string Name, string Value, string Why);
