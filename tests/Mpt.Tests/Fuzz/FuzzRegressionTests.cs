using System.Text;
using Mpt.Checkpoints;
using Mpt.Data;
using Mpt.Encoder;
using Mpt.Inspection;
using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Tasks;
using Mpt.Tests.Encoder;
using Mpt.Tokenization;
using Xunit;

namespace Mpt.Tests.Fuzz;

/// <summary>
/// Every failure the parser fuzzing found (docs/reliability.md), as the minimised input and the rejection it must now
/// get: the documented exception type, one line, naming the file. Before the fixes each of these crashed with another
/// exception type, hung, allocated by a claimed size, or printed a multi-line message.
/// </summary>
public sealed class FuzzRegressionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-fuzz-regression-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    /// <summary>The property of every rejection: the expected type, one line, naming the file.</summary>
    private static T AssertRejected<T>(Action parse, string file) where T : Exception
    {
        var e = Assert.Throws<T>(parse);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        Assert.Contains(file, e.Message);
        return e;
    }

    [Fact]
    public void Should_Keep_A_Bad_Json_Literal_On_One_Line()
    {
        // Found by bert-config, t5-config, mpt-model-json: System.Text.Json quotes the rest of the line after "tru".
        string path = Write("config.json", "{\"model_type\": tru\n, \"vocab_size\": 3}");
        var e = AssertRejected<InvalidDataException>(() => BertConfig.FromHfConfigFile(path), path);
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void Should_Reject_Invalid_Utf8_In_A_Safetensors_Header_As_Invalid_Data()
    {
        // Found by safetensors: a key with byte 0xFF parsed, then threw InvalidOperationException when read.
        byte[] header = [.. "{\""u8, 0xFF, .. "\":{}}"u8];
        string path = Write("model.safetensors", [.. BitConverter.GetBytes((ulong)header.Length), .. header]);
        var e = AssertRejected<InvalidDataException>(() => SafetensorsFile.Read(path), path);
        Assert.Contains("not valid Unicode", e.Message);
    }

    [Fact]
    public void Should_Reject_A_Lone_Surrogate_In_Jsonl_Adapter_Config_And_Task_Files()
    {
        // Found by jsonl, adapter-config, user-tasks: "\ud800" is valid JSON syntax but not a string .NET can decode.
        string jsonl = Write("data.jsonl", "{\"sentence\": \"\\ud800\"}\n");
        AssertRejected<DataFormatException>(() => DataFiles.Read(jsonl).ToList(), jsonl);
        string adapter = Write("adapter_config.json", "{\"peft_type\": \"\\ud800\"}");
        AssertRejected<InvalidDataException>(() => PeftAdapterConfig.FromJsonFile(adapter), adapter);
        string tasks = Write("tasks.json", "{\"name\": \"\\ud800\"}");
        AssertRejected<FormatException>(() => UserTaskFile.Load(tasks), tasks);
    }

    [Fact]
    public void Should_Reject_A_Run_Config_That_Repeats_A_Key()
    {
        // Found by run-config: JsonNode threw ArgumentException ("An item with the same key has already been added").
        string path = Write("run.json", "{\"seed\": 1, \"seed\": 2}");
        var e = AssertRejected<ConfigException>(() => ConfigJson.Load(path), path);
        Assert.Contains("seed", e.Message);
    }

    [Fact]
    public void Should_Keep_An_Unknown_Run_Config_Key_With_A_Line_Break_On_One_Line()
    {
        // Found by run-config: "unknown setting 'sou\nces'. Did you mean 'sources'?" was printed on two lines.
        string path = Write("run.json", "{\"sou\\nces\": []}");
        var e = AssertRejected<ConfigException>(() => ConfigJson.Load(path), path);
        Assert.Contains("unknown setting", e.Message);
    }

    [Fact]
    public void Should_Reject_A_Corrupt_Parquet_Footer_Instead_Of_Hanging()
    {
        // Found by parquet (hang, > 5 s): the footer length was cut to 1, leaving a footer of one byte that is not a Thrift
        // field header, and the mutated schema list in the file claims 100,000,001 elements.
        string path = Write("data.parquet", Convert.FromBase64String(
            "UEFSMRViABUwFTIsFQYVABUGFQYcGAJzMhgCczAWACgCczIYAnMwAAAAGBQCAAAABgEBBjRzMAIAAABzMQIAAABzMhUAFTAVLCwVBhUAFQYVBhwYCAIAAAAAAAAAGAgAAAAAAAAAABYAKAgCAAAA7aCAAAAAABgIAAAAAAAAAAAAAAAYAAANATwBAAAAAAAAAAIAAAAAAAAAFQAVMWUtMzIwFTgsFQYVABUGFQYcGAgAAAAAAADwPxgIAAAAAAAAAAAWAigIAAAAAAAA8D8YCAAAAAAAAAAAAAAAGmQGAAAAAgECAAIBAAAAAAAAAAAAAAAAAADwPxUCGQHh9QVvb3QVBgAVDCUCGAhzZW50ZW5jZSUATBwAAAAVBCUAGAVsYWJlbCUkTKwTQBEAAAAVCiUCGAVzY29yOTIyMzM3MjAzNjg1NDc3NTgwOAAWBhkcGTwmCBwVDBklAAYZGAhzZW50ZW5jZRUCFgYWehZ8Jgg8GAJzMhgCczAWABUEGSUABhkYBWxhYmVsFQIWBhaqARamASaEATwYCAIAAAAAAAAAGAgAAAAAAAAAABYAKAgCAAAAAAAAABgIAAAAAAAAAAAAAAAmqgIcFQoZJQAGGRgFc2NvcmUVAhYGFq4BFrIBJqoCPBgIAAAAAAAA8D8YCAAAAAAAAAAAFgIoCAAAAAAAAPA/GAgAAAAAAAAAAAAAABbSAxYGNtQDAChKUGFycXV1dC5OZXQgdmVyc2lvbiA2LjEuMCAoYnVpbGQgYzE3OWQ5N2JkMjU0OWI1ZjQ0YTkyNDFlNzI5Zjg2OWQ0OTQ3ZWU1OSkAbQEAAABQQVIx"));
        var e = AssertRejected<DataFormatException>(() => DataFiles.Read(path).ToList(), path);
        Assert.Contains("corrupt footer (unknown Thrift type 13", e.Message);
    }

    [Fact]
    public void Should_Reject_A_Parquet_Footer_Ending_In_A_Type_Zero_Header_Instead_Of_Hanging()
    {
        // Found by the long parquet campaign (hang, > 5 s): the seed with the footer's final STOP byte 0x00 turned into
        // 0x10 (field delta 1, type 0), which Parquet.Net does not read as STOP and loops on.
        byte[] file = FuzzSeeds.Parquet()[0];
        int stop = file.Length - 9;
        Assert.Equal(0x00, file[stop]);
        file[stop] = 0x10;
        string path = Write("data.parquet", file);
        var e = AssertRejected<DataFormatException>(() => DataFiles.Read(path).ToList(), path);
        Assert.Contains("has type 0 but is not STOP", e.Message);
    }

    [Fact]
    public void Should_Refuse_A_Parquet_Footer_List_Longer_Than_The_Footer()
    {
        // The mechanism behind the hang: FileMetaData.version (field 1, i32) then a schema list (field 2) claiming
        // 100,000,001 structs in a footer of a few bytes.
        byte[] footer = [0x15, 0x02, 0x19, 0xFC, .. OnnxProtoWriter.Varint(100_000_001), 0x00, 0x00];
        string path = Write("data.parquet", [.. "PAR1"u8, .. footer, .. BitConverter.GetBytes(footer.Length), .. "PAR1"u8]);
        var e = AssertRejected<DataFormatException>(() => DataFiles.Read(path).ToList(), path);
        Assert.Contains("claims 100000001 elements", e.Message);
    }

    [Fact]
    public void Should_Reject_A_Corrupt_Parquet_Footer_As_A_Data_Error()
    {
        // Found by parquet: Parquet.Net threw ArgumentOutOfRangeException, which the reader did not translate.
        string path = Write("data.parquet", [.. "PAR1"u8, 0x15, 0x00, 0x19, 0x2C, .. BitConverter.GetBytes(4), .. "PAR1"u8]);
        AssertRejected<DataFormatException>(() => DataFiles.Read(path).ToList(), path);
    }

    [Fact]
    public void Should_Read_A_Pytorch_Bin_That_Hung_The_Old_Reader_In_Bounded_Time()
    {
        // Found by pytorch-bin (hang, > 5 s, through TorchSharp.PyBridge/Razorvine): a 651-byte archive whose data.pkl
        // was corrupted by a byte flip; the restricted reader rejects it.
        string path = Write("pytorch_model.bin", Convert.FromBase64String(
            "UEsDBBQAAAAIAPd4h13RnmdVCgAAAAIAAAANAAAAbW9kZWwvdmVyc2lvbjLmAgAAAP//AwBQSwMEFAAAAAgA93iHXRnEbfgDAAAAAQAAAAwAAABtb2RlbC9kYXRhLzD7DQBQSwMEFAAAAAgA93iHXatWRh4IAAAABgAAAAwAAABtb2RlbC9kYXRhLzH7/5+JgZkBAFBLAwQUAAAACAD3eIddXyJDZcoAAAAqAQAADgAAAG1vZGVsL2RhdGEucGtsjc67bsJAEIXhMYYQlhDCJeQVTIOAV4DOBYpp3Flkvcpastic9TiCAonGBW+NbAs6JJopjjS/vnPjBPJCh4j/////////fzlJMxFZ9ZMnaRyx2mfGRv9L4Xlhm4gyNnb3q9CoH8RK7+y23gTcqjZHM3SJSP7laPkO4+XbJ98p0C7P60VKk6ZKcmL2mdjYWFkVrxPJYopOARGgy3gL0KtiB7w/QdM3zlYby3dPv0os8KFbvssYlA63wLB0jB47dKfAOMAnYxLgK59dAVBLAQIUAxQAAAAIAPd4h13RnmdVCgAAAAIAAAANAAAAAAAAAAAAAACkgQAAAABtb2RlbC92ZXJzaW9uUEsBAhQDFAAAAAgA93iHXRnEbfgDAAAAAQAAAAwAAAAAAAAAAAAAAKSBNQAAAG1vZGVsL2RhdGEvMFBLAQIUAxQAAAAIAPd4h12rVkYeCAAAAAYAAAAMAAAAAAAAAAAAAACkgWIAAABtb2RlbC9kYXRhLzFQSwECFAMUAAAACAD3eIddXyJDZcoAAAAqAQAADgAAAAAAAAAAAAAApIGUAAAAbW9kZWwvZGF0YS5wa2xQSwUGAAAAAAQABADrAAAAigEAAAAA"));
        AssertRejected<InvalidDataException>(() => PyTorchCheckpointFile.Read(path), path);
    }

    [Fact]
    public void Should_Not_Allocate_By_A_String_Length_The_Pickle_Claims()
    {
        // Found by pytorch-pickle: 536 MB allocated for a 2,178-byte file (a BINUNICODE length believed by Razorvine).
        string path = Write("pytorch_model.bin", TorchSaveArchive.Zip([0x80, 0x02, (byte)'X', 0xF0, 0xFF, 0xFF, 0x7F, (byte)'.']));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = AssertRejected<InvalidDataException>(() => PyTorchCheckpointFile.Read(path), path);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the claimed length was allocated");
        Assert.Contains("runs past the end of the pickle", e.Message);
    }

    [Fact]
    public void Should_Keep_A_Pickle_Global_With_A_Carriage_Return_On_One_Line()
    {
        // Found by pytorch-pickle: the refused global's name held '\r' and was quoted as is.
        string path = Write("pytorch_model.bin", TorchSaveArchive.Zip([0x80, 0x02, .. "ctorch._utils\r\nx\n."u8]));
        AssertRejected<InvalidDataException>(() => PyTorchCheckpointFile.Read(path), path);
    }

    [Fact]
    public void Should_Keep_A_Pickle_String_With_A_Line_Break_On_One_Line()
    {
        // Found by the long pytorch-pickle campaign: "REDUCE of 'str\n...'" quoted a pickle string holding a line break.
        string path = Write("pytorch_model.bin", TorchSaveArchive.Zip([0x80, 0x02, .. TorchSaveArchive.Op.Unicode("a\nb"), .. TorchSaveArchive.Op.EmptyTuple, (byte)'R', (byte)'.']));
        var e = AssertRejected<InvalidDataException>(() => PyTorchCheckpointFile.Read(path), path);
        Assert.Contains("REDUCE of 'a\\nb'", e.Message);
    }

    [Fact]
    public void Should_Name_The_File_When_A_Tokenizer_Config_Token_Has_The_Wrong_Type()
    {
        // Found by t5-tokenizer-config: "pad_token must be a string ..." did not say which file.
        File.WriteAllBytes(Path.Combine(_dir, "spiece.model"), FuzzSeeds.SentencePiece()[0]);
        string path = Write("tokenizer_config.json", "{\"pad_token\": false}");
        AssertRejected<InvalidDataException>(() => T5Tokenizer.FromFolder(_dir), path);
    }

    [Fact]
    public void Should_Refuse_A_Billion_Layer_T5_Config_Beside_A_Tiny_Checkpoint_Quickly()
    {
        // Found by t5-config (hang, > 5 s): num_layers 2147483647 made mpt info list two billion blocks; the issue's
        // "num_layers = 1,000,000,000: mpt info runs for minutes".
        FuzzSeeds.WriteTinyT5Folder(_dir);
        string config = Write("config.json", FuzzSeeds.TinyT5.ToJson().Replace("\"num_layers\": 1", "\"num_layers\": 1000000000"));
        var e = AssertRejected<InvalidDataException>(() => ModelFolderSummary.Inspect(_dir), config);
        Assert.Contains("does not belong to these weights", e.Message);
        var load = AssertRejected<InvalidDataException>(() => Mpt.Model.T5ForConditionalGeneration.FromPretrained(_dir), config);
        Assert.Contains("does not belong to these weights", load.Message);
    }

    [Fact]
    public void Should_Refuse_A_Billion_Layer_Bert_Config_Before_Building_The_Model()
    {
        // Found by bert-folder-config: BertHfWeights.Load built the layers the config claims before comparing weights.
        FuzzSeeds.WriteTinyBertWeights(_dir);
        string config = Write("config.json", Encoding.UTF8.GetString(FuzzSeeds.BertConfigJson()[0]).Replace("\"num_hidden_layers\": 1", "\"num_hidden_layers\": 1000000000"));
        var e = AssertRejected<InvalidDataException>(() => BertHfWeights.Load(_dir), config);
        Assert.Contains("does not belong to these weights", e.Message);
    }

    [Fact]
    public void Should_Keep_A_Csv_Header_With_A_Line_Break_On_One_Line()
    {
        // Found by csv: the "expected N fields (header: ...)" message quoted a header cell holding a line break.
        string path = Write("data.csv", "\"p\nq\",h\n1\n");
        AssertRejected<DataFormatException>(() => DataFiles.Read(path).ToList(), path);
    }

    [Fact]
    public void Should_Reject_An_Mpt_Model_Json_That_Is_Not_An_Object()
    {
        // Found by mpt-model-json: a top-level number threw InvalidOperationException from TryGetProperty.
        string path = Write(PromptModelFile.FileName, "7");
        AssertRejected<InvalidDataException>(() => PromptModelFile.Read(_dir), path);
    }

    [Fact]
    public void Should_Keep_Quoted_Values_With_Escaped_Line_Breaks_On_One_Line()
    {
        // Found by user-tasks and bert-tokenizer-config: a field type and a tokenizer_class holding "\n" were quoted as is.
        string tasks = Write("tasks.json", "{\"name\": \"t\", \"template\": [[\"a:\", \"a\"]], \"metrics\": [\"accuracy\"], \"fields\": {\"a\": \"x\\ny\"}}");
        AssertRejected<FormatException>(() => UserTaskFile.Load(tasks), tasks);
        File.WriteAllText(Path.Combine(_dir, "vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        string tokenizer = Write("tokenizer_config.json", "{\"tokenizer_class\": \"Bert\\nTokenizer\"}");
        AssertRejected<InvalidDataException>(() => WordPieceTokenizer.FromHfFolder(_dir), tokenizer);
    }

    [Fact]
    public void Should_Reject_An_Onnx_Shape_Whose_Product_Overflows()
    {
        // Found by reading the ONNX reader for the fuzz targets: dims [2^32, 2^32] multiply to 0 in 64 bits, which an
        // empty raw_data then matched.
        string path = Write("model.onnx", OnnxProtoWriter.ModelProto([], [OnnxProtoWriter.FloatTensor("w", [1L << 32, 1L << 32], [])]));
        var e = AssertRejected<InvalidDataException>(() => OnnxModelFile.Read(path), path);
        Assert.Contains("64-bit", e.Message);
    }

    [Fact]
    public void Should_Reject_An_Onnx_Empty_Shape_Whose_Strides_Overflow()
    {
        // Found by onnx (CI, seed 7WVDX8zmRvq1): a second packed dims field made the shape [2, 3, 0, 0, 8064, ...]; a 0
        // makes the element count 0, which matched the empty data, and libtorch then aborted building the view
        // ("Stride calculation overflowed") because the other sizes' product overflows.
        string path = Write("model.onnx",
        [
            0x08, 0x07, 0x12, 0x07, 0x70, 0x79, 0x74, 0xFF, 0x00, 0x00, 0x00, 0x3A, 0xA5, 0x01, 0x0A, 0x1B, 0x0A, 0x01, 0x78, 0x0A, 0x01, 0x77, 0x12, 0x01,
            0x79, 0x1A, 0x08, 0x4D, 0x61, 0x74, 0x4D, 0x75, 0x6C, 0x5F, 0x79, 0x22, 0x06, 0x4D, 0x61, 0x74, 0x4D, 0x75, 0x6C, 0x0A, 0x2A, 0x0A, 0x01, 0x79,
            0x0A, 0x02, 0x77, 0x32, 0x0A, 0x01, 0x62, 0x12, 0x01, 0x7A, 0x1A, 0x06, 0x47, 0x65, 0x6D, 0x6D, 0x5F, 0x7A, 0x22, 0x04, 0x47, 0x65, 0x6D, 0x6D,
            0x2A, 0x0D, 0x0A, 0x06, 0x74, 0x72, 0x61, 0x6E, 0x73, 0x42, 0x18, 0x01, 0xA0, 0x01, 0x02, 0x12, 0x01, 0x67, 0x2A, 0x23, 0x0A, 0x02, 0x02, 0x03,
            0x10, 0x01, 0x42, 0x01, 0x77, 0x0A, 0x18, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x40, 0x00,
            0x00, 0xA0, 0x40, 0x00, 0x00, 0xC0, 0x40, 0x2A, 0x16, 0x08, 0x03, 0x10, 0x01, 0x22, 0x0C, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40, 0x00,
            0x00, 0x40, 0x40, 0x42, 0x02, 0x77, 0x32, 0x2A, 0x1A, 0x0A, 0x01, 0x02, 0x10, 0x07, 0x42, 0x01, 0x62, 0x4A, 0x10, 0x04, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]);
        var e = AssertRejected<InvalidDataException>(() => OnnxModelFile.Read(path), path);
        Assert.Contains("64-bit", e.Message);
    }

    [Fact]
    public void Should_Reject_An_Empty_Safetensors_Shape_Whose_Strides_Overflow()
    {
        // The same hole in the safetensors header check: [0, 2^40, 2^40] holds 0 bytes, as data_offsets [0, 0] claim.
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[0,1099511627776,1099511627776],\"data_offsets\":[0,0]}}"u8.ToArray();
        string path = Write("model.safetensors", [.. BitConverter.GetBytes((ulong)header.Length), .. header]);
        var e = AssertRejected<InvalidDataException>(() => SafetensorsFile.Read(path), path);
        Assert.Contains("too large", e.Message);
    }

    [Fact]
    public void Should_Accept_An_Empty_Tensor_Of_Ordinary_Sizes()
    {
        // The zero-size check must not refuse legitimate empty tensors (e.g. a [0, 4] buffer).
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[0,0]}}"u8.ToArray();
        string path = Write("model.safetensors", [.. BitConverter.GetBytes((ulong)header.Length), .. header]);
        var tensors = SafetensorsFile.Read(path);
        Assert.Equal([0L, 4L], tensors["w"].shape);
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Fact]
    public void Should_Reject_A_Parquet_Page_Header_That_Made_The_Reader_Loop()
    {
        // Found by parquet (CI smoke run, CsCheck seed fRwKKJtfiXM1): the footer is well formed, but a data page header's
        // statistics hold a type-0 field header that is not STOP; Parquet.Net's Thrift reader skipped fields forever.
        string path = Write("data.parquet",
        [
            0x50, 0x41, 0x52, 0x31, 0x15, 0x00, 0x15, 0x30, 0x15, 0x32, 0x2C, 0x15, 0x06, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x1C, 0x18, 0x02, 0x73, 0x32,
            0x18, 0x02, 0x73, 0x30, 0x16, 0x00, 0x28, 0x02, 0x73, 0x32, 0x18, 0x02, 0x73, 0x30, 0x00, 0x00, 0x00, 0x18, 0x14, 0x02, 0x00, 0x00, 0x00, 0x06,
            0x01, 0x01, 0x06, 0x34, 0x73, 0x30, 0x02, 0x00, 0x00, 0x00, 0x73, 0x31, 0x02, 0x00, 0x00, 0x00, 0x73, 0x32, 0x15, 0x00, 0x15, 0x30, 0x15, 0x2C,
            0x2C, 0x15, 0x06, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x1C, 0x18, 0x08, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x08, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x00, 0x28, 0x91, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x08, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x0D, 0x01, 0x3C, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x00, 0x15, 0x34, 0x15, 0x38, 0x2C, 0x15, 0x06, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x1C, 0x18, 0x08, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F, 0x18, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x02, 0x28, 0x3F, 0x18, 0x08, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1A, 0x64, 0x06, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02, 0x00, 0x02, 0x01, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F, 0x15, 0x02, 0x19, 0x4C, 0x48, 0x04, 0x72, 0x6F, 0x6F, 0x74,
            0x15, 0x06, 0x00, 0x15, 0x0C, 0x25, 0x02, 0x18, 0x08, 0x73, 0x65, 0x6E, 0x74, 0x65, 0x6E, 0x63, 0x65, 0x25, 0x00, 0x4C, 0x1C, 0x00, 0x00, 0x00,
            0x15, 0x04, 0x25, 0x00, 0x18, 0x05, 0x6C, 0x61, 0x62, 0x65, 0x6C, 0x25, 0x24, 0x4C, 0xAC, 0x13, 0x40, 0x11, 0x00, 0x00, 0x00, 0x15, 0x0A, 0x25,
            0x02, 0x18, 0x05, 0x73, 0x63, 0x6F, 0x72, 0x65, 0x00, 0x16, 0x06, 0x19, 0x1C, 0x19, 0x3C, 0x26, 0x08, 0x1C, 0x15, 0x0C, 0x19, 0x25, 0x00, 0x06,
            0x19, 0x18, 0x08, 0x73, 0x65, 0x6E, 0x74, 0x65, 0x6E, 0x63, 0x65, 0x15, 0x02, 0x16, 0x06, 0x16, 0x7A, 0x16, 0x7C, 0x26, 0x08, 0x3C, 0x18, 0x02,
            0x73, 0x32, 0x18, 0x02, 0x73, 0x30, 0x16, 0x00, 0x28, 0x02, 0x73, 0x32, 0x18, 0x02, 0x73, 0x30, 0x00, 0x00, 0x00, 0x26, 0x84, 0x01, 0x1C, 0x15,
            0x04, 0x19, 0x25, 0x00, 0x06, 0x19, 0x18, 0x05, 0x6C, 0x61, 0x62, 0x65, 0x6C, 0x15, 0x02, 0x16, 0x06, 0x16, 0xAA, 0x01, 0x16, 0xA6, 0x01, 0x26,
            0x84, 0x01, 0x3C, 0x18, 0x08, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16,
            0x00, 0x28, 0x08, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x26, 0xAA, 0x02, 0x1C, 0x15, 0x0A, 0x19, 0x25, 0x00, 0x06, 0x19, 0x18, 0x05, 0x73, 0x63, 0x6F, 0x72, 0x65, 0x15, 0x02, 0x16, 0x06, 0x16, 0xAE,
            0x01, 0x16, 0xB2, 0x01, 0x26, 0xAA, 0x02, 0x3C, 0x18, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F, 0x18, 0x08, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x16, 0x02, 0x28, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F, 0x18, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0xD2, 0x03, 0x16, 0x06, 0x36, 0xD4, 0x03, 0x00, 0x28, 0x4A, 0x50, 0x61, 0x72, 0x71, 0x75, 0x65, 0x74, 0x2E,
            0x4E, 0x65, 0x74, 0x20, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6F, 0x6E, 0x20, 0x36, 0x2E, 0x31, 0x2E, 0x30, 0x20, 0x28, 0x62, 0x75, 0x69, 0x6C, 0x64,
            0x20, 0x63, 0x31, 0x37, 0x39, 0x64, 0x39, 0x37, 0x62, 0x64, 0x32, 0x35, 0x34, 0x39, 0x62, 0x35, 0x66, 0x34, 0x34, 0x61, 0x39, 0x32, 0x34, 0x31,
            0x65, 0x37, 0x32, 0x39, 0x66, 0x38, 0x36, 0x39, 0x64, 0x34, 0x39, 0x34, 0x37, 0x65, 0x65, 0x35, 0x39, 0x29, 0x00, 0x6D, 0x01, 0x00, 0x00, 0x50,
            0x41, 0x52, 0x31,
        ]);
        var e = AssertRejected<DataFormatException>(() => DataFiles.Read(path).ToList(), path);
        Assert.Contains("page header", e.Message);
    }

    [Fact]
    public void Should_Refuse_A_Billion_Sentinels()
    {
        // Found by reading T5TokenizerConfig for the fuzz targets: extra_ids makes that many added tokens from nothing.
        File.WriteAllBytes(Path.Combine(_dir, "spiece.model"), FuzzSeeds.SentencePiece()[0]);
        string path = Write("tokenizer_config.json", "{\"extra_ids\": 1000000000}");
        var e = AssertRejected<InvalidDataException>(() => T5Tokenizer.FromFolder(_dir), path);
        Assert.Contains("extra_ids", e.Message);
    }
}
