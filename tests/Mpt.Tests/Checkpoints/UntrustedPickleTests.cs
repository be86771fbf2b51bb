using Mpt.Checkpoints;
using Mpt.Tests.Fuzz;
using Xunit;
using static Mpt.Tests.Fuzz.TorchSaveArchive.Op;

namespace Mpt.Tests.Checkpoints;

/// <summary>
/// pytorch_model.bin from a stranger (issue 15 item 5): the reader accepts what a state dict needs — tensors, typed
/// storages, (ordered) dicts — laid out as Python's <c>torch.save</c> writes them, and refuses anything else by name, as
/// <c>torch.load(weights_only=True)</c> does; claimed sizes are checked against the archive before allocation.
/// </summary>
public sealed class UntrustedPickleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-pickle-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly byte[] TwoFloats = [.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(2f)];

    private string WriteBin(byte[] pickle, byte[]? storage = null)
    {
        string path = Path.Combine(_dir, "pytorch_model.bin");
        File.WriteAllBytes(path, TorchSaveArchive.Zip(pickle, new Dictionary<string, byte[]> { ["0"] = storage ?? TwoFloats }));
        return path;
    }

    /// <summary>
    /// What Python's pickler writes for <c>torch.save(OrderedDict(w=t, v=t[1:]))</c>: an OrderedDict built by REDUCE,
    /// memoised values, the second tensor a view of the first one's storage, and the state dict's <c>_metadata</c>
    /// attribute set by BUILD.
    /// </summary>
    private static byte[] TorchSaveLayout(byte[]? extraItem = null) =>
    [
        .. Proto, .. Global("collections", "OrderedDict"), .. BinPut(0), .. EmptyTuple, .. Reduce, .. BinPut(1),
        .. Unicode("w"), .. Tensor1d([.. FloatStorage("0", 2), .. BinPut(2)], 0, 2, 1), .. SetItem,
        .. Unicode("v"), .. Tensor1d(BinGet(2), 1, 1, 1), .. SetItem,
        .. extraItem ?? [],
        .. EmptyDict, .. Unicode("_metadata"), .. BinGet(0), .. EmptyTuple, .. Reduce,
        .. Unicode(""), .. EmptyDict, .. Unicode("version"), .. Int(1), .. SetItem, .. SetItem, .. SetItem, .. Build, .. Stop,
    ];

    [Fact]
    public void Should_Read_The_Layout_Torch_Save_Writes()
    {
        // When
        var tensors = PyTorchCheckpointFile.Read(WriteBin(TorchSaveLayout()));

        // Then: both tensors, the view as its own values
        Assert.Equal(["v", "w"], tensors.Keys.Order());
        Assert.Equal([1f, 2f], tensors["w"].data<float>().ToArray());
        Assert.Equal([2f], tensors["v"].data<float>().ToArray());
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("torch.nn.modules.linear", "Linear")]
    [InlineData("numpy.core.multiarray", "_reconstruct")]
    public void Should_Refuse_A_Global_A_State_Dict_Does_Not_Need_By_Name(string module, string name)
    {
        // Given: a state dict with one more entry whose value is built by calling the global
        byte[] call = [.. Unicode("evil"), .. Global(module, name), .. Mark, .. Unicode("echo hi"), .. TupleMark, .. Reduce, .. SetItem];
        string path = WriteBin(TorchSaveLayout(call));

        // When
        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpointFile.Read(path));

        // Then: refused by name, before anything is called or built
        Assert.StartsWith(path, e.Message);
        Assert.Contains($"refers to {module}.{name}", e.Message);
    }

    [Fact]
    public void Should_Refuse_A_Storage_That_Claims_More_Elements_Than_Its_Entry_Holds()
    {
        byte[] pickle = [.. Proto, .. EmptyDict, .. Unicode("w"), .. Tensor1d(FloatStorage("0", 1_000_000_000), 0, 2, 1), .. SetItem, .. Stop];
        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpointFile.Read(WriteBin(pickle)));
        Assert.Contains("claims 1000000000 FloatStorage elements but its entry holds 8 bytes", e.Message);
    }

    [Fact]
    public void Should_Refuse_A_View_Outside_Its_Storage()
    {
        byte[] pickle = [.. Proto, .. EmptyDict, .. Unicode("w"), .. Tensor1d(FloatStorage("0", 2), 1, 1000, 1), .. SetItem, .. Stop];
        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpointFile.Read(WriteBin(pickle)));
        Assert.Contains("reaches element 1000 of storage '0', which holds 2", e.Message);
    }

    [Fact]
    public void Should_Refuse_A_Value_That_Is_Not_A_Tensor()
    {
        byte[] pickle = [.. Proto, .. EmptyDict, .. Unicode("epoch"), .. Int(3), .. SetItem, .. Stop];
        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpointFile.Read(WriteBin(pickle)));
        Assert.Contains("not a flat state dict of tensors: entry 'epoch' (3)", e.Message);
    }

    [Fact]
    public void Should_Refuse_An_Opcode_A_State_Dict_Does_Not_Need()
    {
        // INST ('i') names and calls a class in one opcode (protocol 0); a state dict never uses it.
        byte[] pickle = [.. Proto, .. Mark, (byte)'i', .. "os\nsystem\n"u8, .. Stop];
        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpointFile.Read(WriteBin(pickle)));
        Assert.Contains("pickle opcode 0x69 ('i') is not one a state dict needs", e.Message);
    }
}
