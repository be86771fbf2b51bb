using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Checkpoints;

public sealed class HfCheckpointTests
{
    public static TheoryData<string> Models() => new(GoldenRoot.ModelNames());

    private static void AssertSameTensors(IReadOnlyDictionary<string, Tensor> want, IReadOnlyDictionary<string, Tensor> got)
    {
        Assert.Equal(want.Keys.Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, t) in want)
        {
            Assert.Equal(t.dtype, got[name].dtype);
            Assert.Equal(t.shape, got[name].shape);
            Assert.True(t.bytes.SequenceEqual(got[name].bytes), $"{name}: bytes differ");
        }
    }

    /// <summary>Splits names (sorted) into <paramref name="shards"/> contiguous groups, as save_pretrained's size-based sharding does.</summary>
    private static Dictionary<string, string> ShardMap(IEnumerable<string> names, int shards, string pattern)
    {
        var sorted = names.Order(StringComparer.Ordinal).ToList();
        int per = (sorted.Count + shards - 1) / shards;
        return sorted.Select((n, i) => (n, i / per))
            .ToDictionary(x => x.n, x => string.Format(pattern, x.Item2 + 1, shards), StringComparer.Ordinal);
    }

    private static void WriteSharded(TempModelFolder dir, Dictionary<string, Tensor> tensors, int shards, bool safetensors)
    {
        string pattern = safetensors ? "model-{0:D5}-of-{1:D5}.safetensors" : "pytorch_model-{0:D5}-of-{1:D5}.bin";
        var map = ShardMap(tensors.Keys, shards, pattern);
        foreach (var group in map.GroupBy(kv => kv.Value))
        {
            var part = group.ToDictionary(kv => kv.Key, kv => tensors[kv.Key]);
            if (safetensors) SafetensorsFile.Write(dir.File(group.Key), part);
            else PyTorchCheckpointFile.Write(dir.File(group.Key), part);
        }
        long total = tensors.Values.Sum(t => t.NumberOfElements * SafetensorsFile.ElementSize(t.dtype));
        ShardIndex.Write(dir.File(safetensors ? HfCheckpoint.SafetensorsIndexName : HfCheckpoint.PyTorchIndexName), map, total);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Read_A_Golden_Model_Folder_Exactly(string model)
    {
        // When
        var got = HfCheckpoint.ReadStateDict(GoldenRoot.Combine("models", model));

        // Then
        var want = TempModelFolder.GoldenStateDict(model);
        AssertSameTensors(want, got);
        Assert.Equal(GoldenRoot.Combine("models", model, "model.safetensors"), HfCheckpoint.LocateWeights(GoldenRoot.Combine("models", model)));
        TempModelFolder.DisposeAll(want.Values);
        TempModelFolder.DisposeAll(got.Values);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Read_Sharded_Safetensors_In_Two_And_Three_Shards(string model)
    {
        var want = TempModelFolder.GoldenStateDict(model);
        foreach (int shards in new[] { 2, 3 })
        {
            // Given
            using var dir = new TempModelFolder();
            WriteSharded(dir, want, shards, safetensors: true);

            // When
            var got = HfCheckpoint.ReadStateDict(dir.Path);

            // Then
            Assert.Equal(shards, Directory.GetFiles(dir.Path, "model-*-of-*.safetensors").Length);
            AssertSameTensors(want, got);
            TempModelFolder.DisposeAll(got.Values);
        }
        TempModelFolder.DisposeAll(want.Values);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Read_A_PyTorch_Bin_Written_By_PyBridge(string model)
    {
        // Given: the golden tensors plus a larger one (1.2 MB), so a short read inside the zip would show.
        var want = TempModelFolder.GoldenStateDict(model);
        want["extra.large"] = torch.arange(300_000, dtype: ScalarType.Float32).reshape(600, 500) / 7f;
        using var dir = new TempModelFolder();
        PyTorchCheckpointFile.Write(dir.File(HfCheckpoint.PyTorchName), want);

        // When
        var got = HfCheckpoint.ReadStateDict(dir.Path);

        // Then
        AssertSameTensors(want, got);
        TempModelFolder.DisposeAll(want.Values);
        TempModelFolder.DisposeAll(got.Values);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Read_A_Sharded_PyTorch_Bin(string model)
    {
        // Given
        var want = TempModelFolder.GoldenStateDict(model);
        using var dir = new TempModelFolder();
        WriteSharded(dir, want, 2, safetensors: false);

        // When
        var got = HfCheckpoint.ReadStateDict(dir.Path);

        // Then
        AssertSameTensors(want, got);
        TempModelFolder.DisposeAll(want.Values);
        TempModelFolder.DisposeAll(got.Values);
    }

    public static TheoryData<string, string> ModelsAndHalfTypes()
    {
        var data = new TheoryData<string, string>();
        foreach (string m in GoldenRoot.ModelNames())
        {
            data.Add(m, nameof(ScalarType.Float16));
            data.Add(m, nameof(ScalarType.BFloat16));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ModelsAndHalfTypes))]
    public void Should_Convert_Half_Precision_Files_To_Float32(string model, string half)
    {
        // Given: the golden F32 weights stored as F16 or BF16.
        var halfType = Enum.Parse<ScalarType>(half);
        var f32 = TempModelFolder.GoldenStateDict(model);
        var stored = f32.ToDictionary(kv => kv.Key, kv => kv.Value.to_type(halfType));
        using var dir = new TempModelFolder();
        SafetensorsFile.Write(dir.File(HfCheckpoint.SafetensorsName), stored);

        // When
        var got = HfCheckpoint.ReadStateDict(dir.Path, ScalarType.Float32);
        var raw = HfCheckpoint.ReadStateDict(dir.Path);

        // Then: widening a half type to F32 is exact, so the result equals the stored values exactly ...
        foreach (var (name, t) in stored)
        {
            Assert.Equal(ScalarType.Float32, got[name].dtype);
            Assert.Equal(halfType, raw[name].dtype);
            using var widened = t.to_type(ScalarType.Float32);
            Assert.True(widened.bytes.SequenceEqual(got[name].bytes), $"{name}: widening is not exact");
            // ... and within one rounding of the F32 original: F16 keeps 11 significant bits (relative error 2^-11,
            // absolute 2^-25 below the normal range 6.1e-5), BF16 keeps 8 (2^-8 relative).
            double rel = halfType == ScalarType.Float16 ? Math.Pow(2, -11) : Math.Pow(2, -8);
            double abs = halfType == ScalarType.Float16 ? Math.Pow(2, -25) : 0;
            Assert.True(got[name].allclose(f32[name], rtol: rel, atol: abs), $"{name}: not within one {half} rounding of F32");
        }
        TempModelFolder.DisposeAll(f32.Values);
        TempModelFolder.DisposeAll(stored.Values);
        TempModelFolder.DisposeAll(got.Values);
        TempModelFolder.DisposeAll(raw.Values);
    }

    [Fact]
    public void Should_Convert_Representable_Values_Exactly_And_Leave_Integer_Tensors_Untouched()
    {
        // Given: multiples of 1/8 in [-32, 32] need at most 8 significant bits, so F16 and BF16 hold them exactly.
        float[] values = Enumerable.Range(-256, 513).Select(i => i / 8f).ToArray();
        using var dir = new TempModelFolder();
        using var f16 = torch.tensor(values).to_type(ScalarType.Float16);
        using var bf16 = torch.tensor(values).to_type(ScalarType.BFloat16);
        using var f64 = torch.tensor(values.Select(v => (double)v).ToArray());
        using var ids = torch.tensor(new[] { 5_000_000_000L, -7L });
        using var flags = torch.tensor(new[] { true, false });
        SafetensorsFile.Write(dir.File(HfCheckpoint.SafetensorsName),
            new Dictionary<string, Tensor> { ["f16"] = f16, ["bf16"] = bf16, ["f64"] = f64, ["ids"] = ids, ["flags"] = flags });

        // When
        var got = HfCheckpoint.ReadStateDict(dir.Path, ScalarType.Float32);

        // Then
        foreach (string name in new[] { "f16", "bf16", "f64" })
        {
            Assert.Equal(ScalarType.Float32, got[name].dtype);
            Assert.Equal(values, got[name].data<float>().ToArray());
        }
        Assert.Equal(ScalarType.Int64, got["ids"].dtype);
        Assert.Equal(new[] { 5_000_000_000L, -7L }, got["ids"].data<long>().ToArray());
        Assert.Equal(ScalarType.Bool, got["flags"].dtype);
        TempModelFolder.DisposeAll(got.Values);
    }

    [Fact]
    public void Should_Prefer_Safetensors_Over_Bin_And_A_Single_File_Over_An_Index()
    {
        // Given: each candidate file holds a different marker value.
        using var dir = new TempModelFolder();
        void Marker(string file, float v, bool bin)
        {
            var d = new Dictionary<string, Tensor> { ["w"] = torch.tensor(new[] { v }) };
            if (bin) PyTorchCheckpointFile.Write(dir.File(file), d); else SafetensorsFile.Write(dir.File(file), d);
            d["w"].Dispose();
        }
        Marker("pytorch_model-00001-of-00001.bin", 4f, bin: true);
        ShardIndex.Write(dir.File(HfCheckpoint.PyTorchIndexName), new Dictionary<string, string> { ["w"] = "pytorch_model-00001-of-00001.bin" }, 4);
        float Read()
        {
            var sd = HfCheckpoint.ReadStateDict(dir.Path);
            float v = sd["w"].item<float>();
            TempModelFolder.DisposeAll(sd.Values);
            return v;
        }

        // When / Then: each more preferred file added takes over.
        Assert.Equal(4f, Read());
        Marker(HfCheckpoint.PyTorchName, 3f, bin: true);
        Assert.Equal(3f, Read());
        Marker("model-00001-of-00001.safetensors", 2f, bin: false);
        ShardIndex.Write(dir.File(HfCheckpoint.SafetensorsIndexName), new Dictionary<string, string> { ["w"] = "model-00001-of-00001.safetensors" }, 4);
        Assert.Equal(2f, Read());
        Marker(HfCheckpoint.SafetensorsName, 1f, bin: false);
        Assert.Equal(1f, Read());
    }

    [Fact]
    public void Should_Name_The_Folder_When_It_Does_Not_Exist()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"mpt-no-such-{Guid.NewGuid():N}");
        var e = Assert.Throws<DirectoryNotFoundException>(() => HfCheckpoint.ReadStateDict(missing));
        Assert.Equal($"{missing}: model folder not found.", e.Message);
    }

    [Fact]
    public void Should_List_The_File_Names_Looked_For_When_A_Folder_Has_No_Weights()
    {
        // Given
        using var dir = new TempModelFolder();
        File.WriteAllText(dir.File("config.json"), "{}");
        File.WriteAllText(dir.File("tf_model.h5"), "");

        // When
        var e = Assert.Throws<FileNotFoundException>(() => HfCheckpoint.ReadStateDict(dir.Path));

        // Then
        Assert.Equal(
            $"{dir.Path}: no model weights found: looked for model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json; it holds config.json, tf_model.h5.",
            e.Message);
    }

    [Fact]
    public void Should_Report_A_Shard_That_Lacks_A_Key_The_Index_Lists()
    {
        // Given
        using var dir = new TempModelFolder();
        using var a = torch.ones(2);
        using var b = torch.ones(3);
        SafetensorsFile.Write(dir.File("model-00001-of-00002.safetensors"), new Dictionary<string, Tensor> { ["a"] = a });
        SafetensorsFile.Write(dir.File("model-00002-of-00002.safetensors"), new Dictionary<string, Tensor> { ["b"] = b });
        ShardIndex.Write(dir.File(HfCheckpoint.SafetensorsIndexName), new Dictionary<string, string>
        {
            ["a"] = "model-00001-of-00002.safetensors",
            ["b"] = "model-00002-of-00002.safetensors",
            ["c"] = "model-00002-of-00002.safetensors",
        }, 0);

        // When
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.ReadStateDict(dir.Path));

        // Then
        Assert.Equal($"{dir.File(HfCheckpoint.SafetensorsIndexName)}: shard 'model-00002-of-00002.safetensors' lacks tensors the index assigns to it: [c].", e.Message);
    }

    [Fact]
    public void Should_Report_A_Shard_Holding_A_Key_The_Index_Assigns_Elsewhere()
    {
        // Given
        using var dir = new TempModelFolder();
        using var a = torch.ones(2);
        using var b = torch.ones(3);
        SafetensorsFile.Write(dir.File("s1.safetensors"), new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b });
        SafetensorsFile.Write(dir.File("s2.safetensors"), new Dictionary<string, Tensor> { ["b"] = b });
        ShardIndex.Write(dir.File(HfCheckpoint.SafetensorsIndexName), new Dictionary<string, string> { ["a"] = "s1.safetensors", ["b"] = "s2.safetensors" }, 0);

        // When
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.ReadStateDict(dir.Path));

        // Then
        Assert.Equal($"{dir.File("s1.safetensors")}: holds tensors the index does not assign to it: [b].", e.Message);
    }

    [Fact]
    public void Should_Report_A_Missing_Shard_File()
    {
        using var dir = new TempModelFolder();
        ShardIndex.Write(dir.File(HfCheckpoint.SafetensorsIndexName), new Dictionary<string, string> { ["a"] = "gone.safetensors" }, 0);
        var e = Assert.Throws<FileNotFoundException>(() => HfCheckpoint.ReadStateDict(dir.Path));
        Assert.Equal($"{dir.File(HfCheckpoint.SafetensorsIndexName)}: shard 'gone.safetensors' listed in weight_map does not exist.", e.Message);
    }

    public static TheoryData<string, string> BadIndexes() => new()
    {
        { "{\"weight_map\": ", "shard index is not valid JSON" },
        { "{\"metadata\": {}}", "shard index has no \"weight_map\" object" },
        { "{\"weight_map\": {}}", "weight_map is empty" },
        { "{\"weight_map\": {\"a\": \"../outside.safetensors\"}}", "weight_map entry 'a' names '../outside.safetensors', which is not a file in the index's folder" },
        { "{\"weight_map\": {\"a\": 3}}", "weight_map entry 'a' is not a file name" },
        { "{\"weight_map\": {\"a\": \"x\", \"a\": \"y\"}}", "weight_map lists 'a' twice" },
    };

    [Theory]
    [MemberData(nameof(BadIndexes))]
    public void Should_Reject_A_Malformed_Shard_Index(string json, string expected)
    {
        using var dir = new TempModelFolder();
        File.WriteAllText(dir.File(HfCheckpoint.SafetensorsIndexName), json);
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.ReadStateDict(dir.Path));
        Assert.StartsWith($"{dir.File(HfCheckpoint.SafetensorsIndexName)}: {expected}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Should_Name_The_File_When_A_Model_Folder_Holds_A_Truncated_Safetensors()
    {
        // Given: a golden checkpoint cut short by 100 bytes.
        string model = GoldenRoot.ModelNames()[0];
        byte[] bytes = File.ReadAllBytes(GoldenRoot.Combine("models", model, "model.safetensors"));
        using var dir = new TempModelFolder();
        File.WriteAllBytes(dir.File(HfCheckpoint.SafetensorsName), bytes[..^100]);

        // When
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.ReadStateDict(dir.Path));

        // Then
        Assert.StartsWith($"{dir.File(HfCheckpoint.SafetensorsName)}: truncated: tensor '", e.Message);
    }

    [Fact]
    public void Should_Refuse_A_Legacy_Non_Zip_Bin_With_NotSupported()
    {
        // Given: the first bytes of a legacy torch.save file (pickle protocol 2, then the magic number as a long).
        using var dir = new TempModelFolder();
        File.WriteAllBytes(dir.File(HfCheckpoint.PyTorchName), [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]);

        // When
        var e = Assert.Throws<NotSupportedException>(() => HfCheckpoint.ReadStateDict(dir.Path));

        // Then
        Assert.StartsWith($"{dir.File(HfCheckpoint.PyTorchName)}: legacy (non-zip) torch.save format is not supported", e.Message);
    }

    [Fact]
    public void Should_Name_The_File_When_A_Bin_Is_Not_A_Zip_Or_Is_A_Corrupt_Zip()
    {
        using var dir = new TempModelFolder();
        File.WriteAllText(dir.File(HfCheckpoint.PyTorchName), "hello world");
        var notZip = Assert.Throws<InvalidDataException>(() => HfCheckpoint.ReadStateDict(dir.Path));
        Assert.Equal($"{dir.File(HfCheckpoint.PyTorchName)}: not a PyTorch checkpoint (no zip signature; starts with 68656C6C).", notZip.Message);

        File.WriteAllBytes(dir.File(HfCheckpoint.PyTorchName), [0x50, 0x4B, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8]);
        var corrupt = Assert.Throws<InvalidDataException>(() => HfCheckpoint.ReadStateDict(dir.Path));
        Assert.StartsWith($"{dir.File(HfCheckpoint.PyTorchName)}: not a readable zip archive (", corrupt.Message);
        Assert.DoesNotContain('\n', corrupt.Message);
    }

    [Fact]
    public void Should_Reject_A_Non_Floating_Target_DType()
    {
        var e = Assert.Throws<ArgumentException>(() => HfCheckpoint.ReadStateDict(GoldenRoot.Combine("models", GoldenRoot.ModelNames()[0]), ScalarType.Int32));
        Assert.StartsWith("dtype Int32 is not a floating-point type", e.Message);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Report_Missing_Unexpected_And_MisShaped_Keys_Together(string model)
    {
        // Given: the model expects the shapes its golden config implies; the "file" (the golden weights) lacks two keys,
        // has one extra and one transposed.
        var stateDict = TempModelFolder.GoldenStateDict(model);
        var expected = GoldenConfig(model).ExpectedStateDictShapes();
        var names = stateDict.Keys.Order(StringComparer.Ordinal).ToList();
        string gone1 = names[0], gone2 = names[1];
        string twisted = names.First(n => stateDict[n].shape is [var r, var c] && r != c && n != gone1 && n != gone2);
        stateDict[gone1].Dispose(); stateDict.Remove(gone1);
        stateDict[gone2].Dispose(); stateDict.Remove(gone2);
        long[] modelShape = expected[twisted];
        var transposed = stateDict[twisted].t().contiguous();
        stateDict[twisted].Dispose();
        stateDict[twisted] = transposed;
        stateDict["zz.unexpected.weight"] = torch.zeros(1);

        // When
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.ValidateAgainst(expected, stateDict, "model.safetensors"));

        // Then
        Assert.Equal(
            $"model.safetensors does not match the model: missing [{gone1}, {gone2}]; unexpected [zz.unexpected.weight]; " +
            $"mis-shaped [{twisted}: file [{modelShape[1]},{modelShape[0]}], model [{modelShape[0]},{modelShape[1]}]]",
            e.Message);
        TempModelFolder.DisposeAll(stateDict.Values);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Accept_The_Golden_Weights_Against_The_Shapes_Their_Config_Implies(string model)
    {
        // The expectation comes from config.json alone (every tensor HF save_pretrained writes for it), the tensors from
        // model.safetensors: they are independent, so a wrong key, alias or shape rule makes this fail.
        var stateDict = TempModelFolder.GoldenStateDict(model);
        var expected = GoldenConfig(model).ExpectedStateDictShapes();
        HfCheckpoint.ValidateAgainst(expected, stateDict, "model.safetensors");
        Assert.True(StateDictMismatch.Compare(expected, stateDict).IsEmpty);
        TempModelFolder.DisposeAll(stateDict.Values);
    }

    private static T5Config GoldenConfig(string model) => T5Config.FromJsonFile(GoldenRoot.Combine("models", model, "config.json"));

    [Fact]
    public void Should_List_Only_The_NonEmpty_Groups()
    {
        using var a = torch.zeros(2, 3);
        var expected = new Dictionary<string, long[]> { ["a"] = [3, 2], ["b"] = [1] };
        var m = StateDictMismatch.Compare(expected, new Dictionary<string, Tensor> { ["a"] = a });
        Assert.Equal(["b"], m.Missing);
        Assert.Empty(m.Unexpected);
        Assert.Equal("x.bin does not match the model: missing [b]; mis-shaped [a: file [2,3], model [3,2]]", m.Describe("x.bin"));
    }
}
