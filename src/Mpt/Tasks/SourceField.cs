namespace Mpt.Tasks;

/// <summary>One part of the source template: a keyword followed by a field's text, e.g. <c>premise: {premise}</c>.</summary>
/// <param name="Keyword">The literal keyword including its colon, e.g. <c>"premise:"</c>.</param>
/// <param name="Field">The raw example field whose text follows the keyword.</param>
public sealed record SourceField(string Keyword, string Field);
