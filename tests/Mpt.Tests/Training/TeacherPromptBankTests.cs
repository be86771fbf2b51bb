using Mpt.Tests.Infrastructure;
using Mpt.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

/// <summary>
/// <see cref="TeacherPromptBank.PromptsFor"/> takes task ids as a batch holds them, whatever their device or integer type.
/// On this CPU-only build the device move is a no-op: <see cref="PromptsFor_Should_Index_A_Cpu_Bank_With_Ids_On_The_Gpu"/>
/// exercises it only where CUDA exists; the narrow-integer test shows that the ids are converted inside PromptsFor, the
/// same call that moves them.
/// </summary>
public sealed class TeacherPromptBankTests
{
    private static Tensor Stacked() => torch.arange(3 * 2 * 4, ScalarType.Float32).reshape(3, 2, 4);

    [Theory]
    [InlineData(ScalarType.Int16)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int64)]
    public void PromptsFor_Should_Take_Ids_Of_Any_Integer_Type(ScalarType type)
    {
        using var scope = torch.NewDisposeScope();
        using var bank = new TeacherPromptBank(Stacked());
        var ids = torch.tensor(new long[] { 2, 0, 2 }).to(type);

        var rows = bank.PromptsFor(ids);

        Assert.Equal([3L, 2, 4], rows.shape);
        Assert.Equal(ids.device_type, rows.device_type);
        Assert.True(rows[0].eq(Stacked()[2]).all().item<bool>());
        Assert.True(rows[1].eq(Stacked()[0]).all().item<bool>());
        Assert.True(rows[2].eq(Stacked()[2]).all().item<bool>());
    }

    [CudaFact]
    public void PromptsFor_Should_Index_A_Cpu_Bank_With_Ids_On_The_Gpu()
    {
        // Teachers are loaded from prompt files onto the CPU; a batch on the GPU carries its ids there (the prompt-MSE
        // ablation of Distiller passed them unmoved).
        using var scope = torch.NewDisposeScope();
        using var bank = new TeacherPromptBank(Stacked());
        var ids = torch.tensor(new long[] { 1, 2 }, device: torch.CUDA);

        var rows = bank.PromptsFor(ids);

        Assert.Equal(DeviceType.CUDA, rows.device_type);
        Assert.True(rows.cpu().eq(Stacked().index_select(0, torch.tensor(new long[] { 1, 2 }))).all().item<bool>());
    }
}
