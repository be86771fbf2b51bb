using Mpt.Numerics;

namespace Mpt.Cli;

/// <summary>A decision of <see cref="ReproducibleRelaunch.Decide"/>.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Set">Variables to add for <see cref="RelaunchAction.Relaunch"/> (every pinned variable and the marker).</param>
/// <param name="Differences">The pinned variables that did not have their value, with the value found (null = unset).</param>
public sealed record RelaunchDecision(
    RelaunchAction Action,
    IReadOnlyList<KeyValuePair<string, string>> Set,
    IReadOnlyList<(EnvironmentSetting Setting, string? Found)> Differences);
