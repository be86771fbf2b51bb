namespace Mpt.Tokenization;

/// <summary>
/// A token HF adds outside the SentencePiece model and matches literally in the text before SentencePiece runs
/// (transformers <c>AddedToken</c>). T5: <c>&lt;pad&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;unk&gt;</c> (no stripping) and the
/// sentinels <c>&lt;extra_id_N&gt;</c> with <c>lstrip</c>/<c>rstrip</c> = true, so they absorb the whitespace around them.
/// </summary>
/// <param name="Content">The literal text.</param>
/// <param name="Id">Its id.</param>
/// <param name="LStrip">Strip whitespace on its left (from the preceding text).</param>
/// <param name="RStrip">Strip whitespace on its right (from the following text).</param>
/// <param name="SingleWord">Only match as a whole word (glued to neighbours otherwise, as HF does).</param>
/// <param name="Special">A special token (skipped by <c>skip_special_tokens</c>).</param>
public sealed record AddedToken(string Content, int Id, bool LStrip = false, bool RStrip = false, bool SingleWord = false, bool Special = true);
