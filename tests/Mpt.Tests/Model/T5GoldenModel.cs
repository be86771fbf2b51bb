using System.Text.Json;
using Mpt.Model;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Model;

/// <summary>
/// One golden T5 model (models/&lt;name&gt;/ under the golden root): the checkpoint loaded with
/// <see cref="T5ForConditionalGeneration.FromPretrained"/> in eval mode, and its golden.json.
/// </summary>
internal sealed class T5GoldenModel : IDisposable
{
    /// <summary>docs/testing.md §2.9 tolerances: hidden states, logits, step logits, inputs_embeds, position bias.</summary>
    public const double ActivationAbs = 1e-4, ActivationRel = 1e-4;
    /// <summary>docs/testing.md §2.9 tolerance for the loss.</summary>
    public const double LossAbs = 1e-5;
    /// <summary>docs/testing.md §2.9 tolerances for prompt_grad.</summary>
    public const double GradAbs = 1e-5, GradRel = 1e-3;

    private T5GoldenModel(string name, string folder, JsonElement golden, T5ForConditionalGeneration model)
    {
        Name = name;
        Folder = folder;
        Golden = golden;
        Model = model;
    }

    public string Name { get; }
    public string Folder { get; }
    public JsonElement Golden { get; }
    public T5ForConditionalGeneration Model { get; }

    public static TheoryData<string> Names() => new(GoldenRoot.ModelNames());

    public static T5GoldenModel Load(string name)
    {
        string folder = GoldenRoot.Combine("models", name);
        var golden = GoldenTensor.LoadJson(Path.Combine(folder, "golden.json"));
        return new T5GoldenModel(name, folder, golden, T5ForConditionalGeneration.FromPretrained(folder));
    }

    /// <summary>A golden tensor by dotted path (created in the caller's dispose scope).</summary>
    public Tensor T(string path) => GoldenTensor.ToTensor(Golden, path);

    /// <summary>Asserts a float tensor against the golden one with the activation tolerance.</summary>
    public void AssertActivation(string path, Tensor got) =>
        GoldenTensor.AssertClose(T(path), got, ActivationAbs, ActivationRel, $"{Name} {path}");

    /// <summary>The soft-prompted encoder input (docs/testing.md §2.3): cat(P expanded over the batch, shared[input_ids]).</summary>
    public Tensor PromptInputsEmbeds(Tensor prompt, Tensor inputIds)
    {
        long batch = inputIds.shape[0];
        var expanded = prompt.unsqueeze(0).expand(batch, -1, -1);                 // (B, l, D)
        return torch.cat([expanded, Model.EmbedTokens(inputIds)], 1);             // (B, l+S, D)
    }

    public void Dispose() => Model.Dispose();
}
