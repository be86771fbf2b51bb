namespace Mpt.Distributed;

/// <summary>
/// Whether this process was started as a rank by an MPI launcher. Only then does Mpt load libmpi: a plain <c>mpt</c>
/// process never touches it, so single-process runs are exactly as without MPI support.
/// </summary>
/// <remarks>
/// The variables are the ones each launcher sets for its ranks: <c>OMPI_COMM_WORLD_SIZE</c> (Open MPI's <c>mpirun</c>),
/// <c>PMIX_RANK</c> (PMIx: Open MPI 5, <c>srun --mpi=pmix</c>) and <c>PMI_RANK</c> (MPICH's Hydra, <c>srun --mpi=pmi2</c>).
/// <c>SLURM_PROCID</c> alone is not enough: Slurm sets it for every task of <c>srun</c>, MPI or not.
/// </remarks>
public static class MpiLauncher
{
    /// <summary>The variables that mark a process started by an MPI launcher, in the order they are checked.</summary>
    public static readonly IReadOnlyList<string> Variables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"];

    /// <summary>The first launcher variable set in <paramref name="environment"/>, or null when none is (no launcher).</summary>
    public static string? Detect(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Variables.FirstOrDefault(v => !string.IsNullOrEmpty(environment(v)));
    }

    /// <summary>True when this process was started by an MPI launcher (see <see cref="Detect"/>).</summary>
    public static bool IsPresent => Detect(Environment.GetEnvironmentVariable) is not null;
}
