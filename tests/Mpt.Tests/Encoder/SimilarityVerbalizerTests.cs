using Mpt.Encoder;
using Mpt.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Encoder;

/// <summary>Label scores of the similarity verbaliser on hand-made 2-D embeddings, and what label padding does to the losses.</summary>
public sealed class SimilarityVerbalizerTests
{
    // Task 0: two labels; task 1: three. Rows are not unit length: the verbaliser normalises them.
    private static SimilarityVerbalizer Verbalizer(double temperature = 0.05) => new(
        [torch.tensor(new float[] { 2, 0, 0, 3 }, [2, 2]), torch.tensor(new float[] { 1, 0, 0, 1, 3, 4 }, [3, 2])], temperature);

    [Fact]
    public void Should_Score_Cosine_Over_Temperature_And_Pad_Missing_Labels()
    {
        using var scope = NewDisposeScope();
        using var verbalizer = Verbalizer();
        var pooled = torch.tensor(new float[] { 0.6f, 0.8f, 1, 0 }, [2, 2]);

        var scores = verbalizer.Scores(pooled, torch.tensor(new long[] { 0, 1 }));

        float[] want = [0.6f / 0.05f, 0.8f / 0.05f, (float)SimilarityVerbalizer.PaddingScore, 1 / 0.05f, 0, 0.6f / 0.05f];
        var got = scores.data<float>().ToArray();
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], got[i], 4);
        Assert.Equal([2, 3], verbalizer.LabelCounts);
    }

    [Fact]
    public void Should_Leave_Cross_Entropy_And_Kl_Unchanged_By_Padding_Columns()
    {
        // Given: the scores of a 2-label row padded to 3 columns, for a "teacher" and a "student" pooled vector
        using var scope = NewDisposeScope();
        using var verbalizer = Verbalizer();
        var task = torch.tensor(new long[] { 0 });
        var student = verbalizer.Scores(torch.tensor(new float[] { 0.6f, 0.8f }, [1, 2]), task);
        var teacher = verbalizer.Scores(torch.tensor(new float[] { 0.8f, 0.6f }, [1, 2]), task);
        Assert.Equal(3, student.shape[1]);

        // When: the same losses over the two real columns only
        var label = torch.tensor(new long[] { 1 });
        var mask = torch.ones(1, 1, ScalarType.Bool);
        double klPadded = DistillationLosses.LogitKl(teacher.unsqueeze(1), student.unsqueeze(1), mask, temperature: 2).item<float>();
        double klReal = DistillationLosses.LogitKl(teacher.narrow(1, 0, 2).unsqueeze(1), student.narrow(1, 0, 2).unsqueeze(1), mask, temperature: 2).item<float>();
        double cePadded = torch.nn.functional.cross_entropy(student, label).item<float>();
        double ceReal = torch.nn.functional.cross_entropy(student.narrow(1, 0, 2), label).item<float>();

        // Then
        Assert.True(double.IsFinite(klPadded) && klPadded > 0, $"KL {klPadded}");
        Assert.Equal(klReal, klPadded, 6);
        Assert.Equal(ceReal, cePadded, 6);
    }

    [Fact]
    public void Should_Name_The_Range_Of_Task_Ids_It_Knows()
    {
        using var scope = NewDisposeScope();
        using var verbalizer = Verbalizer();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => verbalizer.Scores(torch.zeros(1, 2), torch.tensor(new long[] { 2 })));
        Assert.Contains("[0, 1]", error.Message);
        Assert.Throws<ArgumentException>(() => new SimilarityVerbalizer([torch.zeros(1, 2)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimilarityVerbalizer([torch.ones(2, 2)], temperature: 0));
    }
}
