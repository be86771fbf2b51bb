namespace Mpt.Serving;

/// <summary>The C heap's bytes in use and held free, MiB (<see cref="NativeHeap.Read"/>).</summary>
/// <param name="InUseMib">Allocated and not yet freed (arenas and separately mapped large blocks).</param>
/// <param name="FreeMib">Freed but kept by malloc in its arenas (resident unless trimmed or never touched).</param>
public sealed record NativeHeapUsage(double InUseMib, double FreeMib);
