using Mpt.Model;
using Mpt.Quickstart;
using Xunit;

namespace Mpt.Tests.Quickstart;

/// <summary><c>dropout_kernel</c> in quickstart configs: named values, exact by default, unknown names refused.</summary>
public sealed class QuickstartOptionsDropoutKernelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-qs-kernel-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Should_Default_To_Exact_And_Read_Parallel_Chunks_By_Name()
    {
        Assert.Equal(DropoutKernel.Exact, QuickstartOptions.Default.DropoutKernel);
        Assert.Contains("\"dropout_kernel\": \"exact\"", QuickstartOptions.Default.ToJson());
        var options = QuickstartOptions.Load(Write("""{"backbone_dropout": true, "dropout_kernel": "parallel_chunks"}"""));
        Assert.Equal(DropoutKernel.ParallelChunks, options.DropoutKernel);
        Assert.True(options.BackboneDropout);
    }

    [Theory]
    [InlineData("\"fast\"")]
    [InlineData("1")]
    public void Should_Refuse_An_Unknown_Kernel_Naming_The_File(string value)
    {
        string path = Write($$"""{"dropout_kernel": {{value}}}""");
        var e = Assert.Throws<InvalidDataException>(() => QuickstartOptions.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("dropout_kernel", e.Message);
    }
}
