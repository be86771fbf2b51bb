namespace Mpt.Serving;

/// <summary>What a served task predicts for one input.</summary>
/// <param name="Label">The best-scored label.</param>
/// <param name="Scores">
/// The similarity verbaliser's score of every label, cos(pool([P; x]), e_c) / τ, exactly as <c>mpt predict</c> prints it
/// for an encoder (unrounded): not probabilities (<see cref="Prediction"/> has the softmax).
/// </param>
public sealed record ServedPrediction(string Label, IReadOnlyDictionary<string, double> Scores);
