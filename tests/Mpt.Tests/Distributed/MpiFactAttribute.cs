using Xunit;

namespace Mpt.Tests.Distributed;

/// <summary>
/// A fact that runs <c>mpirun</c>: skipped, with the reason, only when Open MPI's launcher is not installed (CI installs
/// it: .ci/run).
/// </summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (Mpirun.Path is null) Skip = "mpirun is not on PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to run the data-parallel tests";
    }
}
