using System.Text.Json;
using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Model;

/// <summary>
/// T5ForConditionalGeneration against Hugging Face on every golden model (models/*/golden.json, docs/testing.md §2.3):
/// config, checkpoint keys, relative position bias, forward outputs with and without a soft prompt, the prompt
/// gradient and greedy generation.
/// </summary>
public sealed class T5GoldenTests
{
    public static TheoryData<string> Models() => T5GoldenModel.Names();

    [Fact]
    public void Should_Find_Golden_Models()
    {
        Assert.NotEmpty(GoldenRoot.ModelNames());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Parse_Config_Like_The_Golden_Config(string name)
    {
        // Given
        string path = GoldenRoot.Combine("models", name, "config.json");
        var golden = GoldenTensor.At(GoldenTensor.LoadJson(GoldenRoot.Combine("models", name, "golden.json")), "config");

        // When
        var config = T5Config.FromJsonFile(path);
        using var written = JsonDocument.Parse(config.ToJson());

        // Then: every value the golden file lists equals what we parsed (compared through our own ToJson keys)
        foreach (var field in golden.EnumerateObject())
        {
            Assert.True(written.RootElement.TryGetProperty(field.Name, out var ours), $"{name}: ToJson lacks '{field.Name}'");
            if (field.Value.ValueKind == JsonValueKind.Number)
                Assert.Equal(field.Value.GetDouble(), ours.GetDouble());
            else
                Assert.Equal(field.Value.GetRawText(), ours.GetRawText());
        }
        // and the config round-trips through ToJson
        Assert.Equal(config.ToJson(), T5Config.FromJson(config.ToJson()).ToJson());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Have_Exactly_The_Checkpoint_Keys_And_Shapes(string name)
    {
        // Given
        string folder = GoldenRoot.Combine("models", name);
        var config = T5Config.FromJsonFile(Path.Combine(folder, "config.json"));
        var checkpoint = SafetensorsFile.Read(Path.Combine(folder, "model.safetensors"));
        try
        {
            // When
            using var model = new T5ForConditionalGeneration(config);
            var ours = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
            var expected = config.ExpectedStateDictShapes();

            // Then
            Assert.Equal(checkpoint.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(checkpoint.Keys.Order(StringComparer.Ordinal), expected.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(checkpoint.Keys.Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
            foreach (var (key, tensor) in checkpoint)
            {
                Assert.Equal(tensor.shape, ours[key]);
                Assert.Equal(tensor.shape, expected[key]);
            }
        }
        finally
        {
            foreach (var t in checkpoint.Values) t.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Compute_Relative_Position_Buckets_And_Bias_Like_HF(string name)
    {
        using var scope = torch.NewDisposeScope();
        using var g = T5GoldenModel.Load(name);
        var c = g.Model.Config;
        var relative = g.T("relative_position_bias.relative_position");

        // Buckets are ids: exact.
        GoldenTensor.AssertEqualIds(g.T("relative_position_bias.bucket_bidirectional"),
            T5Attention.RelativePositionBucket(relative, true, c.RelativeAttentionNumBuckets, c.RelativeAttentionMaxDistance), $"{name} bucket_bidirectional");
        GoldenTensor.AssertEqualIds(g.T("relative_position_bias.bucket_unidirectional"),
            T5Attention.RelativePositionBucket(relative, false, c.RelativeAttentionNumBuckets, c.RelativeAttentionMaxDistance), $"{name} bucket_unidirectional");

        // Bias tables of block 0, through the modules that own them.
        long s = g.T("inputs.input_ids").shape[1], t = g.T("inputs.labels").shape[1];
        var encoderOwner = (T5Attention)g.Model.named_modules().Single(m => m.name == "encoder.block.0.layer.0.SelfAttention").module;
        var decoderOwner = (T5Attention)g.Model.named_modules().Single(m => m.name == "decoder.block.0.layer.0.SelfAttention").module;
        g.AssertActivation("relative_position_bias.encoder_block0", encoderOwner.ComputeBias(s, s).squeeze(0));
        g.AssertActivation("relative_position_bias.decoder_block0", decoderOwner.ComputeBias(t, t).squeeze(0));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Match_HF_Forward_Outputs(string name)
    {
        // Given
        using var scope = torch.NewDisposeScope();
        using var g = T5GoldenModel.Load(name);
        var labels = g.T("inputs.labels");
        var c = g.Model.Config;
        GoldenTensor.AssertEqualIds(g.T("inputs.decoder_input_ids"),
            T5ForConditionalGeneration.ShiftRight(labels, c.RequireDecoderStartTokenId(), c.PadTokenId), $"{name} shift_right");

        // When: explicit decoder inputs, and decoder inputs derived from labels
        using var noGrad = torch.no_grad();
        var output = g.Model.Forward(g.T("inputs.input_ids"), null, g.T("inputs.attention_mask"), g.T("inputs.decoder_input_ids"),
                                     labels, outputHiddenStates: true);
        var fromLabels = g.Model.Forward(g.T("inputs.input_ids"), null, g.T("inputs.attention_mask"), null, labels);

        // Then
        g.AssertActivation("outputs.encoder_last_hidden_state", output.EncoderLastHiddenState);
        g.AssertActivation("outputs.decoder_last_hidden_state", output.DecoderLastHiddenState);
        g.AssertActivation("outputs.logits", output.Logits);
        g.AssertActivation("outputs.logits", fromLabels.Logits);
        Assert.Equal(c.NumLayers + 1, output.EncoderHiddenStates!.Count);
        Assert.Equal(c.NumDecoderLayers + 1, output.DecoderHiddenStates!.Count);
        g.AssertActivation("outputs.encoder_hidden_states", torch.stack(output.EncoderHiddenStates));
        g.AssertActivation("outputs.decoder_hidden_states", torch.stack(output.DecoderHiddenStates));
        GoldenTensor.AssertClose(g.T("outputs.loss"), output.Loss!, T5GoldenModel.LossAbs, 0, $"{name} outputs.loss");
        GoldenTensor.AssertClose(g.T("outputs.loss"), fromLabels.Loss!, T5GoldenModel.LossAbs, 0, $"{name} outputs.loss (from labels)");
        Assert.Null(fromLabels.EncoderHiddenStates);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Match_HF_Outputs_With_A_Soft_Prompt(string name)
    {
        // Given: inputs_embeds = cat(P, shared[input_ids]) with the prompt attention mask
        using var scope = torch.NewDisposeScope();
        using var g = T5GoldenModel.Load(name);
        using var noGrad = torch.no_grad();
        var embeds = g.PromptInputsEmbeds(g.T("inputs.soft_prompt"), g.T("inputs.input_ids"));
        g.AssertActivation("prompt_outputs.inputs_embeds", embeds);

        // When
        var output = g.Model.Forward(null, embeds, g.T("inputs.prompt_attention_mask"), g.T("inputs.decoder_input_ids"), g.T("inputs.labels"));

        // Then
        g.AssertActivation("prompt_outputs.encoder_last_hidden_state", output.EncoderLastHiddenState);
        g.AssertActivation("prompt_outputs.decoder_last_hidden_state", output.DecoderLastHiddenState);
        g.AssertActivation("prompt_outputs.logits", output.Logits);
        GoldenTensor.AssertClose(g.T("prompt_outputs.loss"), output.Loss!, T5GoldenModel.LossAbs, 0, $"{name} prompt_outputs.loss");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Match_HF_Prompt_Gradient(string name) => AssertHfPromptGradient(name, activationCheckpointing: false);

    /// <summary>HF's loss and prompt gradient on golden model <paramref name="name"/>, with or without activation checkpointing.</summary>
    internal static void AssertHfPromptGradient(string name, bool activationCheckpointing)
    {
        // Given: P is a leaf that requires grad; the backbone is frozen (d loss / d P does not depend on that)
        using var scope = torch.NewDisposeScope();
        using var g = T5GoldenModel.Load(name);
        foreach (var p in g.Model.parameters()) p.requires_grad = false;
        g.Model.ActivationCheckpointing = activationCheckpointing;
        var prompt = g.T("inputs.soft_prompt").requires_grad_(true);

        // When
        var embeds = g.PromptInputsEmbeds(prompt, g.T("inputs.input_ids"));
        var output = g.Model.Forward(null, embeds, g.T("inputs.prompt_attention_mask"), null, g.T("inputs.labels"));
        output.Loss!.backward();

        // Then
        GoldenTensor.AssertClose(g.T("prompt_outputs.loss"), output.Loss!, T5GoldenModel.LossAbs, 0, $"{name} prompt_outputs.loss");
        Assert.NotNull(prompt.grad);
        GoldenTensor.AssertClose(g.T("prompt_grad"), prompt.grad!, T5GoldenModel.GradAbs, T5GoldenModel.GradRel, $"{name} prompt_grad");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Generate_Greedily_Like_HF(string name)
    {
        using var scope = torch.NewDisposeScope();
        using var g = T5GoldenModel.Load(name);
        int maxNewTokens = GoldenTensor.At(g.Golden, "generate.max_new_tokens").GetInt32();

        // Plain token input
        var plain = g.Model.Generate(g.T("inputs.input_ids"), null, g.T("inputs.attention_mask"), maxNewTokens, returnStepLogits: true);
        GoldenTensor.AssertEqualIds(g.T("generate.sequences"), plain.Sequences, $"{name} generate.sequences");
        g.AssertActivation("generate.step_logits", plain.StepLogits!);

        // Soft-prompted input (positions count over prompt + tokens)
        var embeds = g.PromptInputsEmbeds(g.T("inputs.soft_prompt"), g.T("inputs.input_ids"));
        var prompted = g.Model.Generate(null, embeds, g.T("inputs.prompt_attention_mask"), maxNewTokens, returnStepLogits: true);
        GoldenTensor.AssertEqualIds(g.T("generate.prompt_sequences"), prompted.Sequences, $"{name} generate.prompt_sequences");
        g.AssertActivation("generate.prompt_step_logits", prompted.StepLogits!);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Produce_The_Same_Step_Logits_With_The_Cache_As_A_Full_Decoder_Pass(string name)
    {
        // The cached greedy loop must equal re-running the decoder on the whole generated prefix.
        using var scope = torch.NewDisposeScope();
        using var g = T5GoldenModel.Load(name);
        using var noGrad = torch.no_grad();
        var ids = g.T("inputs.input_ids");
        var mask = g.T("inputs.attention_mask");
        var generated = g.Model.Generate(ids, null, mask, 8, returnStepLogits: true);
        long n = generated.StepLogits!.shape[1];

        var prefix = generated.Sequences.narrow(1, 0, n);                          // every token that was fed to the decoder
        var full = g.Model.Forward(ids, null, mask, prefix, null);
        GoldenTensor.AssertClose(full.Logits, generated.StepLogits!, T5GoldenModel.ActivationAbs, T5GoldenModel.ActivationRel, $"{name} cached vs full");
    }
}
