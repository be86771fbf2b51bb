using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Training;

/// <summary>
/// Cached teacher hidden states in bfloat16 (<see cref="TeacherRowLayout.HiddenBFloat16"/>): half the bytes, and the
/// hidden term within the stated bound 2u·√MSE·rms(h) + u²·ms(h) of the exact one (u = 2⁻⁸, bfloat16's unit roundoff).
/// </summary>
public sealed class TeacherCacheBFloat16Tests(ITestOutputHelper output)
{
    private const double U = 1.0 / 256;

    [Fact]
    public void Should_Keep_The_Hidden_Term_Within_The_Stated_Bound_In_Half_The_Bytes()
    {
        // Given: the tiny T5, three teachers, and an exact and a bfloat16 cache of the same rows
        using var backbone = TinyT5.Create(dropout: 0.0);
        var teachers = Enumerable.Range(0, 3).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k + 1)).ToList();
        using var bank = new TeacherPromptBank(teachers);
        var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = 4 });
        using var prompt = distiller.CreatePrompt(3);
        var student = new T5PromptBackbone(backbone).WithPrompt(prompt);
        using var exact = TeacherOutputCache.InMemory(new TeacherRowLayout(true));
        using var rounded = TeacherOutputCache.InMemory(new TeacherRowLayout(true, HiddenBFloat16: true));
        var examples = new[] { TinyT5.Majority(12, 0, 10, 11, 2, 3, 1, length: 5), TinyT5.Majority(10, 1, 12, 13, 4, 5, 1, length: 7), TinyT5.Majority(8, 2, 14, 15, 3, 2, 1, length: 9) }
            .SelectMany(t => t).ToList();
        double maxDiff = 0, minRatio = double.MaxValue;

        // When: every batch's hidden term from either cache
        for (int start = 0; start < examples.Count; start += 6)
        {
            using var scope = torch.NewDisposeScope();
            var batch = new BatchCollator(0, TinyT5.Eos).Collate(examples.GetRange(start, Math.Min(6, examples.Count - start)));
            var s = student.ForwardWithPrompts(batch, prompt.call(PromptTuningObjective.StudentTaskIds(prompt, batch)), outputHiddenStates: true);
            var want = exact.Targets(bank, student, batch, s);
            var got = rounded.Targets(bank, student, batch, s);
            for (int i = 0; i < 2; i++)
            {
                var compared = s.HiddenStates![i].ComparedPositions(true);
                double mse = DistillationLosses.HiddenMse(want.HiddenStates![i].States, s.HiddenStates[i].States, compared).item<float>();
                double have = DistillationLosses.HiddenMse(got.HiddenStates![i].States, s.HiddenStates[i].States, compared).item<float>();
                // ms(h) over the compared positions: the hidden MSE of the teacher states against zero
                double ms = DistillationLosses.HiddenMse(want.HiddenStates[i].States, want.HiddenStates[i].States.Select(x => torch.zeros_like(x)).ToList(), compared).item<float>();
                double bound = 2 * U * Math.Sqrt(mse) * Math.Sqrt(ms) + U * U * ms;

                // Then
                Assert.Equal(ScalarType.BFloat16, got.HiddenStates[i].States[^1].dtype);
                Assert.True(Math.Abs(have - mse) <= bound * (1 + 1e-3) + 1e-7, $"stack {i}: |{have} - {mse}| above the bound {bound}");
                maxDiff = Math.Max(maxDiff, Math.Abs(have - mse));
                minRatio = Math.Min(minRatio, bound / Math.Max(Math.Abs(have - mse), 1e-30));
            }
        }

        // Then: the rounding did move the term (so the check can fail), and the hidden states take half the bytes
        Assert.True(maxDiff > 0, "bfloat16 rounding never changed the hidden term");
        long scoreBytes = examples.DistinctBy(e => $"{e.TaskId}|{string.Join(" ", e.InputIds)}|{string.Join(" ", e.LabelIds)}").Sum(e => 4L * e.LabelIds.Count * 64 + 8L * e.InputIds.Count + e.LabelIds.Count);
        Assert.Equal(exact.Statistics.TensorBytes - scoreBytes, 2 * (rounded.Statistics.TensorBytes - scoreBytes));
        output.WriteLine($"bfloat16 hidden states: max |hidden term - exact| {maxDiff:G3}; bound / difference at least {minRatio:G3}");
        foreach (var t in teachers) t.Dispose();
    }
}
