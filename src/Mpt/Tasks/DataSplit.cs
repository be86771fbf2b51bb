namespace Mpt.Tasks;

/// <summary>The three splits a run uses.</summary>
public enum DataSplit
{
    /// <summary>Training data.</summary>
    Train,
    /// <summary>Model selection data.</summary>
    Validation,
    /// <summary>Reported test data.</summary>
    Test,
}
