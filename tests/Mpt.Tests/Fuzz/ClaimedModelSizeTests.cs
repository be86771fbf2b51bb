using System.Text;
using Mpt.Encoder;
using Mpt.Model;
using Xunit;

namespace Mpt.Tests.Fuzz;

/// <summary>
/// The parameter counts the config-versus-weights check relies on are exact: a count above the real one would refuse
/// valid folders, one below would let a larger claimed model through.
/// </summary>
public sealed class ClaimedModelSizeTests
{
    public static TheoryData<int> T5Variants => [0, 1];

    [Theory]
    [MemberData(nameof(T5Variants))]
    public void T5_Parameter_Count_Should_Equal_The_Values_Of_The_Expected_State_Dict(int variant)
    {
        // Given: tied relu and untied gated-gelu configs
        var config = T5Config.FromJson(Encoding.UTF8.GetString(FuzzSeeds.T5ConfigJson()[variant]));

        // When
        double count = config.ParameterCount();

        // Then
        Assert.Equal(config.ExpectedStateDictShapes().Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)), count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Bert_Parameter_Count_Should_Equal_The_Model_Parameters(bool pooler)
    {
        // Given
        var config = BertConfig.FromHfJson(Encoding.UTF8.GetString(FuzzSeeds.BertConfigJson()[0])) with { AddPoolingLayer = pooler };
        using var model = new BertModel(config);

        // When
        double count = config.ParameterCount();

        // Then
        Assert.Equal(model.parameters().Sum(p => p.NumberOfElements), count);
    }
}
