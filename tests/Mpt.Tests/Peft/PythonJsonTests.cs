using System.Numerics;
using Mpt.Peft;
using Xunit;

namespace Mpt.Tests.Peft;

/// <summary>
/// <see cref="PythonJson"/> against CPython 3 output. Expected strings were produced by CPython's own
/// <c>json.dumps(v)</c> / <c>json.dumps(json.loads(text), indent=2, sort_keys=True)</c> (the floats include 12 random bit
/// patterns from <c>random.seed(5); random.getrandbits(64)</c>).
/// </summary>
public sealed class PythonJsonTests
{
    [Theory]
    [InlineData(0x0000000000000000UL, "0.0")]
    [InlineData(0x8000000000000000UL, "-0.0")]
    [InlineData(0x3FF0000000000000UL, "1.0")]
    [InlineData(0xBFF0000000000000UL, "-1.0")]
    [InlineData(0x3FB999999999999AUL, "0.1")]
    [InlineData(0x3FE0000000000000UL, "0.5")]
    [InlineData(0x3F1A36E2EB1C432DUL, "0.0001")]
    [InlineData(0x3EE4F8B588E368F1UL, "1e-05")]
    [InlineData(0x3EEF75104D551D69UL, "1.5e-05")]
    [InlineData(0x3F202E4B6CE5DC68UL, "0.00012345")]
    [InlineData(0x430C6BF526340000UL, "1000000000000000.0")]
    [InlineData(0x4341C37937E08000UL, "1e+16")]
    [InlineData(0x4376345785D8A000UL, "1e+17")]
    [InlineData(0x43118B54F22AEB00UL, "1234567890123456.0")]
    [InlineData(0x4345EE2A2EB5A5C4UL, "1.2345678901234568e+16")]
    [InlineData(0x405EDD2F1A9FBE77UL, "123.456")]
    [InlineData(0x01BAC9A7B3B7302FUL, "2.5e-300")]
    [InlineData(0x0000000000000001UL, "5e-324")]
    [InlineData(0x7FEFFFFFFFFFFFFFUL, "1.7976931348623157e+308")]
    [InlineData(0xC00921F9F01B866EUL, "-3.14159")]
    [InlineData(0x3FD5555555555555UL, "0.3333333333333333")]
    [InlineData(0x3FE5555555555555UL, "0.6666666666666666")]
    [InlineData(0x4059000000000000UL, "100.0")]
    [InlineData(0x4480F0CF064DD592UL, "1e+22")]
    [InlineData(0x3E7AD7F29ABCAF48UL, "1e-07")]
    [InlineData(0x3EFF75104D551D69UL, "3e-05")]
    [InlineData(0x3F50624DD2F1A9FCUL, "0.001")]
    [InlineData(0x44DFE185CA57C517UL, "6.02214076e+23")]
    [InlineData(0x4164D8399F767C45UL, "10928588.983213553")]
    [InlineData(0x5BC8FBBCBDE5C099UL, "1.4186613525849614e+134")]
    [InlineData(0xB0C11FDECB91CE37UL, "-7.571968556055867e-74")]
    [InlineData(0xD76D4330F1446BEAUL, "-1.4074705188261364e+113")]
    [InlineData(0xA6EB8C9EBD69FE29UL, "-3.3339745473042614e-121")]
    [InlineData(0x87B0B125EC1D7DA0UL, "-1.2342180766211395e-271")]
    [InlineData(0xD7210DFF076CE2EFUL, "-5.126864004244935e+111")]
    [InlineData(0xC6A5387777330BDBUL, "-2.1520217579844227e+32")]
    [InlineData(0x3FC1EA36F17FD374UL, "0.1399601630397701")]
    [InlineData(0x0D464138A6233255UL, "1.01853664031722e-244")]
    [InlineData(0x2827688DE6A16A3BUL, "2.9704598186234577e-115")]
    [InlineData(0x5F2DD97F1CFB10F6UL, "3.0534183338726823e+150")]
    public void Should_Write_Floats_As_Python_Repr(ulong bits, string python)
    {
        // Given
        double value = BitConverter.UInt64BitsToDouble(bits);

        // When / Then
        Assert.Equal(python, PythonJson.Dumps(value));
    }

    [Fact]
    public void Should_Write_Non_Finite_Floats_As_Python_Json_Does()
    {
        Assert.Equal("NaN", PythonJson.Dumps(double.NaN));
        Assert.Equal("Infinity", PythonJson.Dumps(double.PositiveInfinity));
        Assert.Equal("-Infinity", PythonJson.Dumps(double.NegativeInfinity));
    }

    [Fact]
    public void Should_Reproduce_Python_Dumps_Of_Parsed_Json_With_Indent_Sorted_Keys_And_Ascii_Escapes()
    {
        // Given: nesting, empty containers, a big int, -0 / -0.0 / 1E2 / 1e400, a repeated key (last wins), non-ASCII,
        // DEL and control characters, and keys whose code-point order differs from UTF-16 order (U+FFFF < U+1F600).
        const string input = """{"b":[1,2.0,{"z":null,"a":true}],"a":{},"é":"é\u00ff\u0100😀\u007f\u001f\"\\\n\t/","c":[],"\uffff":1,"😀":2,"big":123456789012345678901234567890,"neg":-0.0,"e":1e400,"f":1E2,"g":-0,"list":[[]],"dup":1,"dup":2}""";
        const string python = """
            {
              "a": {},
              "b": [
                1,
                2.0,
                {
                  "a": true,
                  "z": null
                }
              ],
              "big": 123456789012345678901234567890,
              "c": [],
              "dup": 2,
              "e": Infinity,
              "f": 100.0,
              "g": 0,
              "list": [
                []
              ],
              "neg": -0.0,
              "\u00e9": "\u00e9\u00ff\u0100\ud83d\ude00\u007f\u001f\"\\\n\t/",
              "\uffff": 1,
              "\ud83d\ude00": 2
            }
            """;
        using var doc = System.Text.Json.JsonDocument.Parse(input);

        // When
        string written = PythonJson.Dumps(PythonJson.FromJsonElement(doc.RootElement));

        // Then
        Assert.Equal(python.ReplaceLineEndings("\n"), written);
    }

    [Fact]
    public void Should_Read_Numbers_As_Python_Does()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("[5, 5.0, 5e0, 123456789012345678901234567890]");
        var values = (List<object?>)PythonJson.FromJsonElement(doc.RootElement)!;
        Assert.Equal(new BigInteger(5), values[0]);
        Assert.Equal(5.0, values[1]);
        Assert.Equal(5.0, values[2]);
        Assert.Equal(BigInteger.Parse("123456789012345678901234567890"), values[3]);
    }

    [Fact]
    public void Should_Reject_Values_Outside_The_Python_Json_Model()
    {
        var e = Assert.Throws<ArgumentException>(() => PythonJson.Dumps(new { x = 1 }));
        Assert.Contains("not a Python JSON value", e.Message);
    }
}
