namespace Mpt.Distributed;

/// <summary>
/// The collectives data-parallel training needs from its ranks (the subset of MPI that <see cref="Training.TrainingLoop"/>
/// uses): every rank calls each of them in the same order.
/// </summary>
public interface IDataParallelGroup
{
    /// <summary>This process's rank, 0 ≤ Rank &lt; Size; rank 0 alone writes files.</summary>
    int Rank { get; }

    /// <summary>Number of ranks.</summary>
    int Size { get; }

    /// <summary>Element-wise sum of <paramref name="buffer"/> over all ranks, written back into it on every rank.</summary>
    void AllreduceSum(float[] buffer);

    /// <summary>Every rank receives rank <paramref name="root"/>'s bytes in <paramref name="data"/> (same length everywhere).</summary>
    void Broadcast(byte[] data, int root = 0);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();
}
