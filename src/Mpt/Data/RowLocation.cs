namespace Mpt.Data;

/// <summary>Where a row comes from: a text file line, or a Parquet row group and row.</summary>
/// <param name="File">The file path.</param>
/// <param name="Line">1-based line of a text file (the line the record starts on), if any.</param>
/// <param name="RowGroup">0-based Parquet row group, if any.</param>
/// <param name="Row">0-based row within the row group (Parquet) or record number (CSV), if any.</param>
public sealed record RowLocation(string File, long? Line = null, int? RowGroup = null, long? Row = null)
{
    /// <summary>e.g. <c>data.jsonl line 12</c> or <c>data.parquet row group 0 row 3</c>.</summary>
    public override string ToString() =>
        File
        + (Line is { } l ? $" line {l}" : "")
        + (RowGroup is { } g ? $" row group {g}" : "")
        + (Row is { } r ? $" row {r}" : "");
}
