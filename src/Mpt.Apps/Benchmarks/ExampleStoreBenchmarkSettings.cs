namespace Mpt.Benchmarks;

/// <summary>Settings of <see cref="ExampleStoreBenchmark"/>.</summary>
/// <param name="Examples">Tokenized examples held in each representation.</param>
/// <param name="Seq">Input ids per example (eos included).</param>
/// <param name="Target">Label ids per example.</param>
/// <param name="Vocabulary">Vocabulary size (ids are drawn from [2, Vocabulary); T5: 32,128).</param>
/// <param name="Batch">Examples per collated batch.</param>
/// <param name="CollateBatches">Batches collated per representation in one timing round.</param>
/// <param name="Rounds">Timing rounds per representation, the two representations alternating.</param>
/// <param name="Seed">Seed of the ids and of the batches' example indices.</param>
public sealed record ExampleStoreBenchmarkSettings(int Examples = 200_000, int Seq = 128, int Target = 4, int Vocabulary = 32_128, int Batch = 8,
    int CollateBatches = 2_000, int Rounds = 5, ulong Seed = 1)
{
    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A bad value (the message names the flag).</exception>
    public void Validate()
    {
        if (Examples < 1) throw new ArgumentException($"--examples must be at least 1, got {Examples}.");
        if (Seq < 1) throw new ArgumentException($"--seq must be at least 1, got {Seq}.");
        if (Target < 1) throw new ArgumentException($"--target must be at least 1, got {Target}.");
        if (Vocabulary < 3) throw new ArgumentException($"--vocab must be at least 3 (pad, eos and one more id), got {Vocabulary}.");
        if (Batch < 1 || Batch > Examples) throw new ArgumentException($"--batch must lie in [1, --examples], got {Batch}.");
        if (CollateBatches < 1) throw new ArgumentException($"--collate-batches must be at least 1, got {CollateBatches}.");
        if (Rounds < 1) throw new ArgumentException($"--rounds must be at least 1, got {Rounds}.");
    }
}
