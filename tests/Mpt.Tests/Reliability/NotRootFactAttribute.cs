using Xunit;

namespace Mpt.Tests.Reliability;

/// <summary>A test that needs file permissions to be enforced: root ignores them (and Windows has no Unix modes).</summary>
public sealed class NotRootFactAttribute : FactAttribute
{
    public NotRootFactAttribute()
    {
        if (OperatingSystem.IsWindows())
            Skip = "Unix file modes are not available on Windows";
        else if (Environment.IsPrivilegedProcess)
            Skip = "running as root, which writes into read-only folders anyway; the injected read-only faults (IoFaultTests.Faults) cover the path";
    }
}
