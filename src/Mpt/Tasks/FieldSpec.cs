namespace Mpt.Tasks;

/// <summary>One field of a task's raw example schema.</summary>
/// <param name="Name">Field name as in the dataset (HF layout).</param>
/// <param name="Type">Required value type.</param>
/// <param name="Required">False for fields the formatter does not read (kept for documentation).</param>
/// <param name="Description">Meaning, e.g. label values.</param>
public sealed record FieldSpec(string Name, FieldType Type, bool Required = true, string? Description = null);
