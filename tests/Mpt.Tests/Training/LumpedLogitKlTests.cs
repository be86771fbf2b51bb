using Mpt.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

/// <summary>
/// The KL against a top-k + lumped-tail teacher (<see cref="DistillationLosses.LumpedLogitKl"/>): equal to the exact KL
/// when the tail is empty or carries no mass, and below it by exactly the stated error P · KL(p̄ ‖ s̄) otherwise, checked
/// against a double-precision reference computed here from the definitions.
/// </summary>
public sealed class LumpedLogitKlTests
{
    private static readonly float[] Mask = [1, 1, 0, 1, 1, 1];

    private static (Tensor Teacher, Tensor Student, Tensor Mask) Inputs(int vocab, ulong seed)
    {
        using var g = new torch.Generator(seed);
        var teacher = torch.randn([2, 3, vocab], generator: g) * 3;
        var student = (torch.randn([2, 3, vocab], generator: g) * 3).requires_grad_(true);
        return (teacher, student, torch.tensor(Mask).reshape(2, 3));
    }

    [Theory]
    [InlineData(LossReduction.TokenMean, 1.0)]
    [InlineData(LossReduction.Sum, 2.0)]
    public void Should_Equal_The_Exact_Kl_And_Its_Gradient_When_K_Is_The_Vocabulary(LossReduction reduction, double temperature)
    {
        using var scope = torch.NewDisposeScope();
        var (teacher, student, mask) = Inputs(50, 1);

        var exact = DistillationLosses.LogitKl(teacher, student, mask, temperature, reduction);
        var exactGrad = torch.autograd.grad([exact], [student])[0];
        var lumped = DistillationLosses.LumpedLogitKl(TeacherTopK.From(teacher, 50, temperature), student, mask, temperature, reduction);
        var lumpedGrad = torch.autograd.grad([lumped], [student])[0];

        Assert.True(float.IsNegativeInfinity(TeacherTopK.From(teacher, 50, temperature).TailLogMass.max().item<float>()), "k = V leaves an empty tail");
        Assert.Equal((double)exact.item<float>(), lumped.item<float>(), 1e-5);
        Assert.True(lumpedGrad.allclose(exactGrad, rtol: 0, atol: 1e-6), $"gradients differ by {(lumpedGrad - exactGrad).abs().max().item<float>()}");
    }

    [Fact]
    public void Should_Equal_The_Exact_Kl_When_The_Tail_Carries_No_Mass()
    {
        // Given: a teacher whose mass sits on 5 tokens per position (the others 1e4 below: exp underflows to exactly 0)
        using var scope = torch.NewDisposeScope();
        var (random, student, mask) = Inputs(40, 2);
        var teacher = torch.full([2, 3, 40], -1e4f);
        teacher[.., .., ..5] = random[.., .., ..5];

        var topK = TeacherTopK.From(teacher, 5, 1.0);
        var exact = DistillationLosses.LogitKl(teacher, student, mask);
        var lumped = DistillationLosses.LumpedLogitKl(topK, student, mask);

        Assert.Equal(0f, topK.TailLogMass.exp().max().item<float>());
        Assert.Equal((double)exact.item<float>(), lumped.item<float>(), 1e-5);
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(4, 1.0)]
    [InlineData(8, 2.0)]
    public void Should_Fall_Short_Of_The_Exact_Kl_By_Exactly_The_Tail_Term(int k, double temperature)
    {
        // Given: random teacher and student scores over 30 tokens
        using var scope = torch.NewDisposeScope();
        var (teacher, student, mask) = Inputs(30, (ulong)(10 + k));
        var topK = TeacherTopK.From(teacher, k, temperature);

        // When
        double exact = DistillationLosses.LogitKl(teacher, student, mask, temperature).item<float>();
        double lumped = DistillationLosses.LumpedLogitKl(topK, student, mask, temperature).item<float>();

        // Then: in double precision from the definitions, with T² and the token mean: the lumped KL is
        // Σ_S p log(p/s) + P log(P/Q), and exact − lumped = P · KL(p̄ ‖ s̄) ≤ P · max_R log(p̄/s̄)
        var t = Host(teacher);
        var s = Host(student.detach());
        var ids = topK.Ids.data<long>().ToArray();
        double lumpedRef = 0, errorRef = 0, boundRef = 0, positions = 0;
        for (int pos = 0; pos < 6; pos++)
        {
            if (Mask[pos] == 0) continue;
            positions++;
            var p = Softmax(t.AsSpan(pos * 30, 30), temperature);
            var q = Softmax(s.AsSpan(pos * 30, 30), temperature);
            var top = ids.AsSpan(pos * k, k).ToArray().Select(i => (int)i).ToHashSet();
            var tail = Enumerable.Range(0, 30).Where(v => !top.Contains(v)).ToList();
            double tailP = tail.Sum(v => p[v]), tailQ = tail.Sum(v => q[v]);
            lumpedRef += top.Sum(v => p[v] * Math.Log(p[v] / q[v])) + tailP * Math.Log(tailP / tailQ);
            errorRef += tail.Sum(v => p[v] * Math.Log(p[v] / tailP / (q[v] / tailQ)));
            boundRef += tailP * tail.Max(v => Math.Log(p[v] / tailP / (q[v] / tailQ)));
        }
        double scale = temperature * temperature / positions;
        Assert.Equal(lumpedRef * scale, lumped, 1e-5);
        Assert.Equal(errorRef * scale, exact - lumped, 1e-5);
        Assert.True(exact - lumped >= -1e-6, $"lumped {lumped} above exact {exact}");
        Assert.True(exact - lumped <= boundRef * scale + 1e-6, $"error {exact - lumped} above the bound {boundRef * scale}");
    }

    [Fact]
    public void Should_Refuse_A_Summary_That_Does_Not_Fit_The_Student()
    {
        using var scope = torch.NewDisposeScope();
        var (teacher, student, mask) = Inputs(30, 3);
        var topK = TeacherTopK.From(teacher[..1], 4, 1.0);

        var error = Assert.Throws<ArgumentException>(() => DistillationLosses.LumpedLogitKl(topK, student, mask));
        Assert.Contains("[1,3,4]", error.Message);
    }

    private static float[] Host(Tensor t) => t.contiguous().data<float>().ToArray();

    private static double[] Softmax(ReadOnlySpan<float> logits, double temperature)
    {
        double max = double.NegativeInfinity;
        foreach (float z in logits) max = Math.Max(max, z / temperature);
        var e = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < e.Length; i++) sum += e[i] = Math.Exp(logits[i] / temperature - max);
        for (int i = 0; i < e.Length; i++) e[i] /= sum;
        return e;
    }
}
