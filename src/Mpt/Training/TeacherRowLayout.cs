using System.Globalization;

namespace Mpt.Training;

/// <summary>What a <see cref="TeacherOutputCache"/> row holds.</summary>
/// <param name="HiddenStates">Whether hidden states are kept (the objective has the hidden-state term).</param>
/// <param name="Layers">Which hidden states the term compares (only those are kept).</param>
/// <param name="TopK">Null: full scores (exact). k: the top-k summary (<see cref="TeacherTopK"/>) at <paramref name="Temperature"/>.</param>
/// <param name="Temperature">The KL's temperature (the top-k summary is made at it).</param>
/// <param name="HiddenBFloat16">
/// Keep the hidden states rounded to bfloat16 (half the bytes). Each value moves by at most 2⁻⁸ of itself, so the
/// hidden term moves by at most 2·2⁻⁸·√MSE·rms(h) + 2⁻¹⁶·ms(h) (h the teacher states, MSE the term's value).
/// </param>
public sealed record TeacherRowLayout(bool HiddenStates, HiddenLayers Layers = HiddenLayers.Final, int? TopK = null, double Temperature = 1.0,
    bool HiddenBFloat16 = false)
{
    /// <summary>The exact layout: full scores, float32 hidden states.</summary>
    public bool Exact => TopK is null && !HiddenBFloat16;

    /// <summary>One line naming everything that decides a row's values (a cache file is only reopened for an equal description).</summary>
    public string Describe()
    {
        string scores = TopK is { } k ? $"top {k} at temperature {Temperature.ToString("R", CultureInfo.InvariantCulture)}" : "full";
        string hidden = HiddenStates ? $"{Layers}{(HiddenBFloat16 ? " bfloat16" : "")}" : "none";
        return $"scores {scores}; hidden states {hidden}";
    }
}
