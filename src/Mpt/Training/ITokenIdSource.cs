namespace Mpt.Training;

/// <summary>A token-id list that can copy a range of itself into a span without going through its indexer id by id.</summary>
internal interface ITokenIdSource
{
    /// <summary>Copies ids [<paramref name="sourceStart"/>, sourceStart + destination.Length) into <paramref name="destination"/>.</summary>
    void CopyTo(int sourceStart, Span<long> destination);
}
