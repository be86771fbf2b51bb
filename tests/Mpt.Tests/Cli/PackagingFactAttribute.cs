using Xunit;

namespace Mpt.Tests.Cli;

/// <summary>
/// A fact that runs only with MPT_RUN_PACKAGING=1 (scripts/test-packaging.sh sets it): packing and installing the tool
/// takes over a minute, more than the whole test suite's budget.
/// </summary>
public sealed class PackagingFactAttribute : FactAttribute
{
    public PackagingFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("MPT_RUN_PACKAGING") != "1")
            Skip = "packaging test: run scripts/test-packaging.sh (sets MPT_RUN_PACKAGING=1)";
    }
}
