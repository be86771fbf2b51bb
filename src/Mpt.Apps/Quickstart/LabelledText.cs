namespace Mpt.Quickstart;

/// <summary>One labelled input: a text (or a pair) and its class index.</summary>
/// <param name="Text">The text, or the first text of a pair.</param>
/// <param name="TextB">The second text of a pair, or null.</param>
/// <param name="Label">Class index in the task's label order.</param>
public sealed record LabelledText(string Text, string? TextB, int Label);
