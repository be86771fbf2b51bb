using Mpt.Pipeline;
using Xunit;

namespace Mpt.Tests.Pipeline;

/// <summary>A JSON null where a config needs a value is a config error naming the key, never a crash.</summary>
public sealed class ConfigNullValueTests
{
    [Theory]
    [InlineData("""{"adapt": null}""", "adapt")]
    [InlineData("""{"loop": null}""", "loop")]
    [InlineData("""{"model": {"path": "m", "device": null}}""", "model.device")]
    [InlineData("""{"model": {"path": "m"}, "adapt": {"seeds": null}}""", "adapt.seeds")]
    [InlineData("""{"model": {"path": "m"}, "sources": [null], "targets": [{"task": "rte", "data": "d"}]}""", "sources[0]")]
    public void Should_Name_The_Key_Of_A_Null_Value(string json, string key)
    {
        var e = Record.Exception(() => ConfigJson.Parse(json, "c.json").Validate());
        var config = Assert.IsType<ConfigException>(e);
        Assert.Contains(key, config.Message);
    }

    [Fact]
    public void Should_Accept_Comments_And_Trailing_Commas_In_Parse_As_In_Load()
    {
        var config = ConfigJson.Parse("{\"model\": {\"path\": \"m\",}, // comment\n}");
        Assert.Equal("m", config.Model.Path);
    }
}
