using Mpt.Prompts;
using Mpt.Training;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Training;

/// <summary><see cref="DistillationOptions.ScaleKlByTemperatureSquared"/> reaches the distillation objective's KL term.</summary>
public sealed class DistillerKlScalingTests
{
    [Fact]
    public void Should_Scale_The_Kl_By_T_Squared_Only_When_Asked()
    {
        // Given: a dropout-free tiny T5, two teachers, one batch, T = 2
        using var backbone = TinyT5.Create(dropout: 0.0);
        var teachers = Enumerable.Range(0, 2).Select(k => TargetPrompts.VocabularyInit(backbone, 4, (ulong)k + 1)).ToList();
        using var bank = new TeacherPromptBank(teachers);
        using var scope = torch.NewDisposeScope();
        var batch = new BatchCollator(0, TinyT5.Eos).Collate(TinyT5.Majority(3, 0, 10, 11, 2, 3, 1).Concat(TinyT5.Majority(3, 1, 12, 13, 4, 5, 1)).ToList());

        double Kl(bool scale)
        {
            var distiller = new Distiller(backbone, new DistillationOptions { PromptLength = 4, Temperature = 2, ScaleKlByTemperatureSquared = scale });
            using var prompt = distiller.CreatePrompt(2);
            var student = new T5PromptBackbone(backbone).WithPrompt(prompt);
            return distiller.Objective(student, bank)(batch).Parts[Distiller.KlLoss].item<float>();
        }

        // When
        double scaled = Kl(scale: true), unscaled = Kl(scale: false);

        // Then: the default multiplies the softened KL by T² = 4; switched off, it is the softened KL itself
        Assert.True(unscaled > 0);
        Assert.Equal(4 * unscaled, scaled, 5);
        foreach (var t in teachers) t.Dispose();
    }
}
