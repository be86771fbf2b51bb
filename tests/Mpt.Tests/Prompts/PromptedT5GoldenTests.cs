using Mpt.Model;
using Mpt.Prompts;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Prompts;

/// <summary>
/// The prompted model against PEFT itself (docs/testing.md §2.5): for every adapter case, the encoder input, the
/// encoder output, logits and loss for a mixed-task batch, the gradients of every adapter tensor, and greedy generation.
/// </summary>
public sealed class PromptedT5GoldenTests
{
    private const double ActAbs = 1e-4, ActRel = 1e-4, LossAbs = 1e-5, GradAbs = 1e-5, GradRel = 1e-3;

    public static TheoryData<string> Cases() => PeftGoldenCases.AsTheoryData(PeftGoldenCases.All());

    private static PromptedT5 Load(string id, out System.Text.Json.JsonElement golden)
    {
        golden = PeftGoldenCases.Golden(id);
        string model = golden.GetProperty("model").GetString()!;
        // "model" is the base checkpoint folder relative to the golden root (e.g. "models/a_v10_relu_tied").
        var backbone = T5ForConditionalGeneration.FromPretrained(GoldenRoot.Combine(model.Split('/')));
        return new PromptedT5(backbone, PeftGoldenCases.LoadEncoder(id));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_Match_Peft_Forward_And_Gradients(string id)
    {
        using var scope = NewDisposeScope();
        // Given
        var prompted = Load(id, out var golden);
        var inputIds = GoldenTensor.ToTensor(golden, "inputs.input_ids");
        var mask = GoldenTensor.ToTensor(golden, "inputs.attention_mask");
        var labels = GoldenTensor.ToTensor(golden, "inputs.labels");
        var taskIds = PeftGoldenCases.TaskIds(golden);

        // When: PEFT's seq2seq MPT forward builds the decoder input from labels (shift_right)
        var (embeds, extendedMask) = prompted.BuildEncoderInput(inputIds, mask, taskIds);
        var output = prompted.Forward(inputIds, mask, taskIds, labels);
        output.Loss!.backward();

        // Then
        GoldenTensor.AssertClose(GoldenTensor.ToTensor(golden, "forward.inputs_embeds"), embeds, ActAbs, ActRel, $"{id} inputs_embeds");
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "forward.prompt_attention_mask"), extendedMask, $"{id} mask");
        GoldenTensor.AssertClose(GoldenTensor.ToTensor(golden, "forward.encoder_last_hidden_state"), output.EncoderLastHiddenState, ActAbs, ActRel, $"{id} encoder");
        GoldenTensor.AssertClose(GoldenTensor.ToTensor(golden, "forward.logits"), output.Logits, ActAbs, ActRel, $"{id} logits");
        GoldenTensor.AssertClose(GoldenTensor.ToTensor(golden, "forward.loss"), output.Loss, LossAbs, 0, $"{id} loss");
        var parameters = prompted.Prompt.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var grad in golden.GetProperty("grads").EnumerateObject().Where(g => g.Value.ValueKind == System.Text.Json.JsonValueKind.Object))
        {
            Assert.True(parameters.ContainsKey(grad.Name), $"{id}: no prompt parameter named '{grad.Name}'");
            var got = parameters[grad.Name].grad;
            Assert.NotNull(got);
            GoldenTensor.AssertClose(GoldenTensor.ToTensor(grad.Value), got!, GradAbs, GradRel, $"{id} grad {grad.Name}");
        }
        Assert.All(prompted.Backbone.parameters(), p => Assert.Null(p.grad));
        prompted.Backbone.Dispose();
        prompted.Prompt.Dispose();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_Generate_Like_Peft(string id)
    {
        using var scope = NewDisposeScope();
        // Given
        var prompted = Load(id, out var golden);
        var inputIds = GoldenTensor.ToTensor(golden, "inputs.input_ids");
        var mask = GoldenTensor.ToTensor(golden, "inputs.attention_mask");
        var taskIds = PeftGoldenCases.TaskIds(golden);
        int maxNew = golden.GetProperty("generate").GetProperty("max_new_tokens").GetInt32();

        // When
        var result = prompted.Generate(inputIds, mask, taskIds, maxNew, returnStepLogits: true);

        // Then
        GoldenTensor.AssertEqualIds(GoldenTensor.ToTensor(golden, "generate.sequences"), result.Sequences, $"{id} sequences");
        GoldenTensor.AssertClose(GoldenTensor.ToTensor(golden, "generate.step_logits"), result.StepLogits!, ActAbs, ActRel, $"{id} step logits");
        prompted.Backbone.Dispose();
        prompted.Prompt.Dispose();
    }
}
