using Xunit;

namespace Mpt.Tests.Infrastructure;

/// <summary>A fact about Linux-only behaviour (e.g. reading /proc): reported as skipped elsewhere, never passed vacuously.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Linux only (reads /proc; elsewhere the values are null by design)";
    }
}
