namespace Mpt.Training;

/// <summary>Everything needed to resume a <see cref="TaskSampler"/> exactly (serialisable with System.Text.Json).</summary>
/// <param name="RngState">PCG32 state.</param>
/// <param name="RngIncrement">PCG32 increment (stream).</param>
/// <param name="BatchesDrawn">Number of batches drawn so far (informational, for logs and checks).</param>
public sealed record TaskSamplerState(ulong RngState, ulong RngIncrement, long BatchesDrawn);
