using Mpt.Checkpoints;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Checkpoints;

public sealed class SafetensorsFileValidationTests
{
    public static TheoryData<string> Models() => new(GoldenRoot.ModelNames());

    // Two F32 tensors a [2] and b [1,2]: 16 data bytes.
    private const string TwoTensors =
        """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]}}""";

    private static readonly byte[] SixteenBytes = BitConverter.GetBytes(1.5f).Concat(BitConverter.GetBytes(-2f))
        .Concat(BitConverter.GetBytes(3f)).Concat(BitConverter.GetBytes(0.25f)).ToArray();

    [Fact]
    public void Should_Read_A_Hand_Built_File_With_The_Stored_Values()
    {
        // Given
        using var dir = new TempModelFolder();
        string path = dir.File("ok.safetensors");
        TempModelFolder.WriteRawSafetensors(path, TwoTensors, SixteenBytes);

        // When
        var tensors = SafetensorsFile.Read(path);

        // Then
        Assert.Equal(new[] { 1.5f, -2f }, tensors["a"].data<float>().ToArray());
        Assert.Equal(new long[] { 1, 2 }, tensors["b"].shape);
        Assert.Equal(new[] { 3f, 0.25f }, tensors["b"].data<float>().ToArray());
        TempModelFolder.DisposeAll(tensors.Values);
    }

    public static TheoryData<string, string, byte[], ulong?, string> CorruptFiles() => new()
    {
        { "file shorter than the length field", "", [], 0, "only 7 bytes" },
        { "zero header length", TwoTensors, SixteenBytes, 0UL, "corrupt safetensors header length 0" },
        { "header length beyond the file", TwoTensors, SixteenBytes, 1000UL, "truncated: the safetensors header needs 1000 bytes" },
        { "header length above the format's limit", TwoTensors, SixteenBytes, 1UL << 40, "corrupt safetensors header length 1099511627776" },
        { "invalid JSON", """{"a":{"dtype":"F32",""", [], null, "safetensors header is not valid JSON" },
        { "JSON that is not an object", "[1,2,3]", [], null, "safetensors header is a JSON Array, not an object" },
        { "offsets beyond the end (truncated data)", TwoTensors, SixteenBytes[..12], null, "truncated: tensor 'b' ends at byte 16 of the data section but the file holds 12" },
        { "size mismatch with shape", """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", SixteenBytes[..8], null, "tensor 'a' shape [3] F32 needs 12 bytes but data_offsets span 8" },
        { "overlapping offsets", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", SixteenBytes[..12], null, "tensor 'b' (bytes 4..12) overlaps tensor 'a' (bytes 0..8)" },
        { "gap between tensors", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}""", SixteenBytes, null, "4 bytes of the data section before tensor 'b' (bytes 8..12) belong to no tensor" },
        { "trailing bytes", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", SixteenBytes, null, "the data section has 16 bytes but the tensors cover only 8" },
        { "unsupported dtype", """{"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}""", SixteenBytes[..8], null, "tensor 'a' has unsupported dtype 'F8_E4M3'" },
        { "reversed offsets", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", SixteenBytes[..8], null, "tensor 'a' has invalid data_offsets [8,0]" },
        { "negative dimension", """{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", SixteenBytes[..8], null, "tensor 'a' has a \"shape\" value that is not a non-negative integer (-2)" },
        { "entry without dtype", """{"a":{"shape":[2],"data_offsets":[0,8]}}""", SixteenBytes[..8], null, "tensor 'a' has no \"dtype\" string" },
        { "duplicate tensor name", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", SixteenBytes, null, "safetensors header lists 'a' twice" },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void Should_Reject_A_Corrupt_File_With_One_Line_Naming_The_File_And_The_Problem(
        string what, string header, byte[] data, ulong? headerLength, string expected)
    {
        // Given
        using var dir = new TempModelFolder();
        string path = dir.File("bad.safetensors");
        if (what.StartsWith("file shorter", StringComparison.Ordinal)) File.WriteAllBytes(path, new byte[7]);
        else TempModelFolder.WriteRawSafetensors(path, header, data, headerLength);

        // When
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(path));

        // Then
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Should_Copy_Tensor_Bytes_Without_A_Managed_Buffer_Per_Tensor()
    {
        // Given: 8 MB of tensor data in 4 tensors.
        using var dir = new TempModelFolder();
        string path = dir.File("big.safetensors");
        var tensors = Enumerable.Range(0, 4).ToDictionary(i => $"t{i}", i => torch.full(new long[] { 512, 1024 }, i, ScalarType.Float32));
        SafetensorsFile.Write(path, tensors);
        SafetensorsFile.Read(path).Values.ToList().ForEach(t => t.Dispose()); // warm up JIT and caches

        // When
        long before = GC.GetAllocatedBytesForCurrentThread();
        var back = SafetensorsFile.Read(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Then: managed allocations are header-sized, far below the 8 MB the tensors hold (a byte[] per tensor would exceed it).
        Assert.True(allocated < 1 << 20, $"reading 8 MB of tensors allocated {allocated} managed bytes");
        Assert.Equal(3f, back["t3"][511, 1023].item<float>());
        TempModelFolder.DisposeAll(tensors.Values);
        TempModelFolder.DisposeAll(back.Values);
    }

    [Fact]
    public void Should_Report_A_Missing_File_As_FileNotFound()
    {
        using var dir = new TempModelFolder();
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Read(dir.File("absent.safetensors")));
        Assert.Contains("absent.safetensors: safetensors file not found", e.Message);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Read_Only_The_Selected_Keys_With_The_Same_Bytes(string model)
    {
        // Given
        var all = TempModelFolder.GoldenStateDict(model);
        string path = GoldenRoot.Combine("models", model, "model.safetensors");

        // When
        var some = SafetensorsFile.Read(path, name => name.StartsWith("decoder.", StringComparison.Ordinal));

        // Then
        var wanted = all.Keys.Where(k => k.StartsWith("decoder.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(wanted);
        Assert.Equal(wanted, some.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, t) in some) Assert.Equal(all[name].bytes.ToArray(), t.bytes.ToArray());
        TempModelFolder.DisposeAll(all.Values);
        TempModelFolder.DisposeAll(some.Values);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Read_And_Write_In_Slices_Exactly_As_In_One_Piece(string model)
    {
        // Given: a slice size of 3 floats + 1 byte forces the >2 GiB code path (flat view, narrow, odd remainder) on tiny tensors.
        string path = GoldenRoot.Combine("models", model, "model.safetensors");
        var whole = SafetensorsFile.Read(path);
        using var dir = new TempModelFolder();

        // When
        var sliced = SafetensorsFile.Read(path, _ => true, null, chunkBytes: 13);
        SafetensorsFile.Write(dir.File("sliced.safetensors"), sliced, null, chunkBytes: 13);
        var widened = SafetensorsFile.Read(path, _ => true, ScalarType.Float64, chunkBytes: 13);

        // Then
        foreach (var (name, t) in whole)
        {
            Assert.Equal(t.shape, sliced[name].shape);
            Assert.Equal(t.bytes.ToArray(), sliced[name].bytes.ToArray());
            // Converting reads go through the staging buffer: F32 -> F64 is exact.
            using var want = t.to_type(ScalarType.Float64);
            Assert.Equal(ScalarType.Float64, widened[name].dtype);
            Assert.Equal(want.bytes.ToArray(), widened[name].bytes.ToArray());
        }
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(dir.File("sliced.safetensors")));
        TempModelFolder.DisposeAll(whole.Values);
        TempModelFolder.DisposeAll(sliced.Values);
        TempModelFolder.DisposeAll(widened.Values);
    }

    [Fact]
    public void Should_Round_Trip_Every_Supported_DType_And_Empty_And_Scalar_Tensors()
    {
        // Given
        using var dir = new TempModelFolder();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f64"] = torch.tensor(new[] { Math.PI, -1e300 }),
            ["f32"] = torch.tensor(new[] { 1.5f, float.MaxValue }),
            ["f16"] = torch.tensor(new[] { 65504f, -0.5f }).to_type(ScalarType.Float16),
            ["bf16"] = torch.tensor(new[] { -1e20f, 3.140625f }).to_type(ScalarType.BFloat16),
            ["i64"] = torch.tensor(new[] { 5_000_000_000L, -1L }),
            ["i32"] = torch.tensor(new[] { int.MinValue, 7 }),
            ["i16"] = torch.tensor(new short[] { -300, 300 }),
            ["i8"] = torch.tensor(new sbyte[] { -128, 127 }),
            ["u8"] = torch.tensor(new byte[] { 0, 255 }),
            ["bool"] = torch.tensor(new[] { true, false }),
            ["empty"] = torch.zeros(new long[] { 0, 4 }),
            ["scalar"] = torch.tensor(2.5f),
        };
        string path = dir.File("all.safetensors");

        // When
        SafetensorsFile.Write(path, tensors);
        var back = SafetensorsFile.Read(path);

        // Then
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), back.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.dtype, back[name].dtype);
            Assert.Equal(t.shape, back[name].shape);
            Assert.Equal(t.bytes.ToArray(), back[name].bytes.ToArray());
        }
        Assert.Equal(0, (8 + (long)SafetensorsFile.ReadHeader(path).HeaderLength) % 8);
        TempModelFolder.DisposeAll(tensors.Values);
        TempModelFolder.DisposeAll(back.Values);
    }
}
