using Mpt.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

/// <summary>
/// Each loss against values computed here independently, in double precision with plain loops over small fixed
/// tensors (never through the code under test).
/// </summary>
public sealed class DistillationLossesTests
{
    private const int B = 2, T = 3, V = 4;

    // Fixed, non-symmetric logits; labels with padding (-100) in different places per row.
    private static float TeacherLogit(int b, int t, int v) => (float)(Math.Sin(1.3 * b + 0.7 * t + 0.45 * v) * 2.5);
    private static float StudentLogit(int b, int t, int v) => (float)(Math.Cos(0.9 * b - 0.4 * t + 0.8 * v) * 1.7 + 0.1 * v);
    private static readonly long[] Labels = [5, 2, -100, 1, -100, -100];

    private static Tensor Logits(Func<int, int, int, float> f) =>
        torch.tensor(Enumerable.Range(0, B * T * V).Select(i => f(i / (T * V), i / V % T, i % V)).ToArray()).reshape(B, T, V);

    /// <summary>KL(softmax(teacher/τ) ‖ softmax(student/τ)) of one position, in double.</summary>
    private static double KlAt(int b, int t, double temperature)
    {
        double[] zt = Enumerable.Range(0, V).Select(v => TeacherLogit(b, t, v) / temperature).ToArray();
        double[] zs = Enumerable.Range(0, V).Select(v => StudentLogit(b, t, v) / temperature).ToArray();
        double nt = zt.Select(Math.Exp).Sum(), ns = zs.Select(Math.Exp).Sum();
        double kl = 0;
        for (int v = 0; v < V; v++)
        {
            double pt = Math.Exp(zt[v]) / nt, ps = Math.Exp(zs[v]) / ns;
            kl += pt * Math.Log(pt / ps);
        }
        return kl;
    }

    private static (double Sum, int Count) KlOverTargets(double temperature)
    {
        double sum = 0; int count = 0;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                if (Labels[b * T + t] != -100) { sum += KlAt(b, t, temperature); count++; }
        return (sum, count);
    }

    [Fact]
    public void Should_Compute_Token_Mean_Kl_At_Target_Positions_With_Temperature_1()
    {
        using var scope = torch.NewDisposeScope();
        var mask = DistillationLosses.TargetMask(torch.tensor(Labels).reshape(B, T));
        var got = DistillationLosses.LogitKl(Logits(TeacherLogit), Logits(StudentLogit), mask).item<float>();
        var (sum, count) = KlOverTargets(1.0);
        Assert.Equal(3, count);
        Assert.Equal(sum / count, got, 5);
        var gotSum = DistillationLosses.LogitKl(Logits(TeacherLogit), Logits(StudentLogit), mask, reduction: LossReduction.Sum).item<float>();
        Assert.Equal(sum, gotSum, 5);
    }

    [Fact]
    public void Should_Soften_With_Temperature_And_Scale_By_T_Squared_Only_When_Asked()
    {
        using var scope = torch.NewDisposeScope();
        var mask = DistillationLosses.TargetMask(torch.tensor(Labels).reshape(B, T));
        var (sum, count) = KlOverTargets(2.0);
        double scaled = DistillationLosses.LogitKl(Logits(TeacherLogit), Logits(StudentLogit), mask, temperature: 2.0).item<float>();
        double unscaled = DistillationLosses.LogitKl(Logits(TeacherLogit), Logits(StudentLogit), mask, temperature: 2.0,
            scaleByTemperatureSquared: false).item<float>();
        Assert.Equal(4 * sum / count, scaled, 5);
        Assert.Equal(sum / count, unscaled, 5);
        Assert.NotEqual(KlOverTargets(1.0).Sum / count, unscaled, 3); // the temperature really changed the distributions
    }

    [Fact]
    public void Should_Be_Zero_For_Identical_Logits_And_Not_Train_The_Teacher()
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.ones(B, T, ScalarType.Bool);
        var teacher = Logits(TeacherLogit).requires_grad_(true);
        var student = Logits(StudentLogit).requires_grad_(true);
        Assert.Equal(0, DistillationLosses.LogitKl(teacher, teacher.detach().clone(), mask).item<float>(), 6);
        DistillationLosses.LogitKl(teacher, student, mask).backward();
        Assert.Null(teacher.grad);
        Assert.NotNull(student.grad);
        Assert.Equal(0, DistillationLosses.LogitKl(teacher, student, torch.zeros(B, T, ScalarType.Bool)).item<float>()); // no target: 0, not NaN
    }

    // Hidden states: 3 tensors (embeddings, block 1, final), [B=2, S=3, d=2].
    private static float H(int who, int layer, int b, int s, int d) =>
        (float)(Math.Sin(0.3 * who + 1.1 * layer + 0.7 * b + 0.5 * s + 0.9 * d) * (1 + layer));

    private static List<Tensor> States(int who) =>
        Enumerable.Range(0, 3).Select(layer =>
            torch.tensor(Enumerable.Range(0, 2 * 3 * 2).Select(i => H(who, layer, i / 6, i / 2 % 3, i % 2)).ToArray()).reshape(2, 3, 2)).ToList();

    private static readonly int[] HiddenMask = [1, 1, 0, 1, 0, 0];

    private static (double Sum, int Count) SquaredOverMask(int layer)
    {
        double sum = 0; int count = 0;
        for (int b = 0; b < 2; b++)
            for (int s = 0; s < 3; s++)
            {
                if (HiddenMask[b * 3 + s] == 0) continue;
                count++;
                for (int d = 0; d < 2; d++) sum += Math.Pow(H(1, layer, b, s, d) - H(0, layer, b, s, d), 2);
            }
        return (sum, count);
    }

    [Fact]
    public void Should_Compute_Hidden_Mse_Of_Final_And_All_Layers_Over_Valid_Positions()
    {
        using var scope = torch.NewDisposeScope();
        var teacher = States(0);
        var student = States(1);
        var mask = torch.tensor(HiddenMask.Select(x => (long)x).ToArray()).reshape(2, 3);

        double final = DistillationLosses.HiddenMse(teacher, student, mask).item<float>();
        double finalSum = DistillationLosses.HiddenMse(teacher, student, mask, reduction: LossReduction.Sum).item<float>();
        double all = DistillationLosses.HiddenMse(teacher, student, mask, HiddenLayers.All).item<float>();
        double allSum = DistillationLosses.HiddenMse(teacher, student, mask, HiddenLayers.All, LossReduction.Sum).item<float>();

        var (s2, n) = SquaredOverMask(2);
        var (s1, _) = SquaredOverMask(1);
        Assert.Equal(3, n);
        Assert.Equal(s2 / (n * 2), final, 5);                       // mean over valid positions × hidden units
        Assert.Equal(s2, finalSum, 4);                               // Eq. (4) literally
        Assert.Equal((s1 / (n * 2) + s2 / (n * 2)) / 2, all, 5);     // block outputs 1..L averaged; embeddings [0] excluded
        Assert.Equal(s1 + s2, allSum, 4);
    }

    [Fact]
    public void Should_Add_Encoder_And_Decoder_Hidden_Terms()
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.tensor(HiddenMask.Select(x => (long)x).ToArray()).reshape(2, 3);
        var decMask = torch.ones(2, 3, ScalarType.Bool);
        double both = DistillationLosses.EncoderDecoderHiddenMse(States(0), States(1), mask, States(1), States(0), decMask).item<float>();
        var (s2, n) = SquaredOverMask(2);
        double dec = 0;
        for (int b = 0; b < 2; b++) for (int s = 0; s < 3; s++) for (int d = 0; d < 2; d++) dec += Math.Pow(H(1, 2, b, s, d) - H(0, 2, b, s, d), 2);
        Assert.Equal(s2 / (n * 2) + dec / 12, both, 5);
    }

    [Fact]
    public void Should_Build_The_Encoder_Mask_With_Or_Without_Prompt_Positions()
    {
        using var scope = torch.NewDisposeScope();
        var attention = torch.tensor(new long[] { 1, 1, 0, 1, 0, 0 }).reshape(2, 3);
        var with = DistillationLosses.EncoderMask(attention, 2).to(ScalarType.Int64).flatten().data<long>().ToArray();
        var without = DistillationLosses.EncoderMask(attention, 2, includePromptPositions: false).to(ScalarType.Int64).flatten().data<long>().ToArray();
        Assert.Equal([1L, 1, 1, 1, 0, 1, 1, 1, 0, 0], with);
        Assert.Equal([0L, 0, 1, 1, 0, 0, 0, 1, 0, 0], without);
    }

    [Fact]
    public void Should_Combine_Task_Kl_And_Hidden_With_Lambda()
    {
        using var scope = torch.NewDisposeScope();
        var total = DistillationLosses.TotalLoss(torch.tensor(1.5f), torch.tensor(0.2f), torch.tensor(0.3f));
        Assert.Equal(1.5 + 0.9 * (0.2 + 0.3), total.item<float>(), 6);
        Assert.Equal(1.5 + 0.5 * 0.5, DistillationLosses.TotalLoss(torch.tensor(1.5f), torch.tensor(0.2f), torch.tensor(0.3f), lambda: 0.5).item<float>(), 6);
    }

    [Fact]
    public void Should_Reject_Mismatched_Shapes()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => DistillationLosses.LogitKl(torch.zeros(2, 3, 4), torch.zeros(2, 3, 5), torch.ones(2, 3)));
        Assert.Throws<ArgumentException>(() => DistillationLosses.LogitKl(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), torch.ones(2, 4)));
        Assert.Throws<ArgumentException>(() => DistillationLosses.HiddenMse(States(0), States(1).Take(2).ToList(), torch.ones(2, 3)));
    }
}
