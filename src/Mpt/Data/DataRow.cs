namespace Mpt.Data;

/// <summary>One loaded record: its fields (JSON-like values) and where it was read from.</summary>
public sealed record DataRow(IReadOnlyDictionary<string, object?> Fields, RowLocation Location);
