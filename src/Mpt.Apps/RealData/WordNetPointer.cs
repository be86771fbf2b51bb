namespace Mpt.RealData;

/// <summary>
/// One WNDB pointer (wninput(5WN)): <c>@</c> hypernym, <c>~</c> hyponym, <c>#p</c>/<c>#m</c>/<c>#s</c> part / member /
/// substance holonym, <c>%p</c>/<c>%m</c>/<c>%s</c> meronyms, <c>!</c> antonym, …
/// </summary>
/// <param name="Symbol">Pointer symbol.</param>
/// <param name="TargetOffset">Offset of the target synset.</param>
/// <param name="TargetPos">Target part of speech (n, v, a, r; satellites as a).</param>
/// <param name="SourceWord">1-based member of this synset the pointer starts from; 0 for a semantic (synset-to-synset) pointer.</param>
/// <param name="TargetWord">1-based member of the target synset; 0 for a semantic pointer.</param>
public sealed record WordNetPointer(string Symbol, string TargetOffset, char TargetPos, int SourceWord, int TargetWord);
