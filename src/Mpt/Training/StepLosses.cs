using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// What an objective returns for one batch: the scalar to minimise and its named components for the log (e.g. "task",
/// "kl", "hidden"). All tensors live in the step's dispose scope.
/// </summary>
/// <param name="Total">Scalar loss that is back-propagated.</param>
/// <param name="Parts">Named scalar components (may include Total's own terms), logged as numbers.</param>
public sealed record StepLosses(Tensor Total, IReadOnlyDictionary<string, Tensor> Parts)
{
    /// <summary>
    /// <see cref="Total"/> as its terms with their normalisers (Σ Weight · Mean = Total), which data-parallel training
    /// needs to make N ranks' slices add up to one batch; only read under an MPI launcher. Null = <see cref="Total"/>
    /// and every part are means over the batch's examples.
    /// </summary>
    public IReadOnlyList<LossTerm>? Terms { get; init; }
}
