using System.Text.Json;
using Mpt.Checkpoints;
using Mpt.Prompts;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Prompts;

/// <summary>
/// Pins the prompt modules to PEFT's own adapters and outputs (docs/testing.md §2.5): loading, composition
/// P_k = P* ∘ (cols[k] @ rows[k]), the encoder input [P_{task_ids[b]}; shared.weight[input_ids[b]]], and PEFT's
/// AVERAGE_SOURCE_TASKS / EXACT_SOURCE_TASK target inits. The gradient goldens need T5 and are covered with the model.
/// </summary>
public sealed class PeftGoldenPromptTests
{
    // docs/testing.md §2.9: composed prompts and adapter tensors 1e-6 relative; inputs_embeds 1e-4 + 1e-4·|want|.
    private const double TensorRel = 1e-6;
    private const double EmbedsTol = 1e-4;

    /// <summary>
    /// docs/testing.md §2.9's 1e-6 relative bound for values computed by composition (composed prompts, their means), read relative
    /// to the tensor's scale: an element where the r rank terms (or the task means) nearly cancel keeps the float32
    /// rounding error of its summands, ~1e-7 absolute for N(0,1) factors, which is unbounded relative to the tiny result
    /// (measured worst: 9.4e-8 absolute at |want| = 7.3e-3, rank 2). Elsewhere it is the plain 1e-6 relative bound.
    /// </summary>
    private static void AssertComposedClose(Tensor want, Tensor got, string what)
    {
        double scale = want.abs().max().item<float>();
        GoldenTensor.AssertClose(want, got, TensorRel * scale, TensorRel, what);
    }

    public static TheoryData<string> AllCases() => PeftGoldenCases.AsTheoryData(PeftGoldenCases.All());

    public static TheoryData<string> TargetCases() =>
        PeftGoldenCases.AsTheoryData(PeftGoldenCases.Where(g => g.GetProperty("adapter").TryGetProperty("source_adapter", out _)));

    public static TheoryData<string> ContrastCases() =>
        PeftGoldenCases.AsTheoryData(PeftGoldenCases.Where(g => g.TryGetProperty("contrast", out _)));

    [Fact]
    public void Should_Discover_Plain_Multitask_And_Target_Cases()
    {
        var kinds = PeftGoldenCases.All().Select(c => PeftGoldenCases.Golden(c).GetProperty("kind").GetString()).ToHashSet();
        Assert.Contains("pt", kinds);
        Assert.Contains("mpt", kinds);
        Assert.Contains("target", kinds);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Should_Load_Adapter_With_Its_Config_Shapes_And_Tensors(string id)
    {
        using var scope = torch.NewDisposeScope();
        // Given
        var golden = PeftGoldenCases.Golden(id);
        var config = PeftGoldenCases.Config(id);

        // When
        using var encoder = PeftGoldenCases.LoadEncoder(id);

        // Then
        Assert.Equal(config.GetProperty("num_virtual_tokens").GetInt32(), encoder.NumVirtualTokens);
        Assert.Equal(config.GetProperty("token_dim").GetInt32(), encoder.TokenDim);
        if (config.TryGetProperty("num_tasks", out var numTasks))
        {
            var mpt = Assert.IsType<MultitaskPrompt>(encoder);
            Assert.Equal(numTasks.GetInt32(), mpt.NumTasks);
            Assert.Equal(config.GetProperty("num_ranks").GetInt32(), mpt.Rank);
        }
        else
        {
            Assert.IsType<SoftPrompt>(encoder);
        }
        var ours = encoder.PeftTensors();
        var goldenTensors = golden.GetProperty("tensors").EnumerateObject().ToList();
        Assert.Equal(goldenTensors.Select(p => p.Name).Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        foreach (var p in goldenTensors)
            GoldenTensor.AssertClose(GoldenTensor.ToTensor(p.Value), ours[p.Name], 0, TensorRel, $"{id} tensors.{p.Name}");
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Should_Compose_Every_Task_Prompt_Like_Peft(string id)
    {
        using var scope = torch.NewDisposeScope();
        var golden = PeftGoldenCases.Golden(id);
        using var encoder = PeftGoldenCases.LoadEncoder(id);
        if (!golden.TryGetProperty("composed_prompts", out var composedJson))
        {
            // Plain PT has no composition: its prompt is the stored matrix for every row.
            Assert.IsType<SoftPrompt>(encoder);
            return;
        }
        var mpt = Assert.IsType<MultitaskPrompt>(encoder);

        // When
        var composed = mpt.ComposedPrompts();

        // Then
        var want = GoldenTensor.ToTensor(composedJson);
        AssertComposedClose(want, composed, $"{id} composed_prompts");
        for (int k = 0; k < mpt.NumTasks; k++)
            AssertComposedClose(want[k], mpt.ComposedPrompt(k), $"{id} composed prompt of task {k}");
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Should_Build_The_Encoder_Input_Embeddings_Like_Peft(string id)
    {
        using var scope = torch.NewDisposeScope();
        // Given
        var golden = PeftGoldenCases.Golden(id);
        using var encoder = PeftGoldenCases.LoadEncoder(id);
        var taskIds = PeftGoldenCases.TaskIds(golden);
        var inputIds = GoldenTensor.ToTensor(golden, "inputs.input_ids");
        var want = GoldenTensor.ToTensor(golden, "forward.inputs_embeds");
        string model = golden.GetProperty("model").GetString()!; // "models/<name>", relative to the split root
        var checkpoint = SafetensorsFile.Read(Path.Combine(GoldenRoot.Combine(model), "model.safetensors"));
        var shared = checkpoint["shared.weight"];
        long batch = inputIds.shape[0], seq = inputIds.shape[1];
        int l = encoder.NumVirtualTokens, d = encoder.TokenDim;

        // When
        Tensor prompts;
        using (torch.no_grad()) prompts = encoder.call(taskIds); // (B, l, d)
        var tokens = shared.index_select(0, inputIds.flatten()).reshape(batch, seq, d); // (B, S, d)
        var embeds = torch.cat([prompts, tokens], 1); // (B, l+S, d)

        // Then: the prompt rows of row b are exactly P_{task_ids[b]}, the whole input within the model tolerance.
        Assert.Equal([batch, l, d], prompts.shape);
        Assert.Equal(ScalarType.Float32, prompts.dtype);
        AssertComposedClose(want.narrow(1, 0, l), prompts, $"{id} forward.inputs_embeds prompt rows");
        GoldenTensor.AssertClose(want, embeds, EmbedsTol, EmbedsTol, $"{id} forward.inputs_embeds");
        foreach (var t in checkpoint.Values) t.Dispose();
    }

    [Theory]
    [MemberData(nameof(TargetCases))]
    public void Should_Initialise_The_Target_From_The_Source_Adapter_Like_Peft(string id)
    {
        using var scope = torch.NewDisposeScope();
        // Given
        var adapter = PeftGoldenCases.Golden(id).GetProperty("adapter");
        string sourcePath = GoldenRoot.Combine(adapter.GetProperty("prompt_tuning_init_state_dict_path").GetString()!);
        Assert.Equal(
            Path.GetFullPath(Path.Combine(GoldenRoot.Combine(adapter.GetProperty("source_adapter").GetString()!), "adapter_model.safetensors")),
            Path.GetFullPath(sourcePath));
        var init = ParseTargetInit(adapter.GetProperty("prompt_tuning_init").GetString()!, id);
        int sourceTask = adapter.GetProperty("prompt_tuning_init_task").GetInt32();
        var source = SafetensorsFile.Read(sourcePath);
        using var expected = PeftGoldenCases.LoadEncoder(id);

        // When
        using var target = MultitaskPrompt.FromSource(source, sourcePath, init, numTargets: 1, sourceTask: sourceTask);

        // Then
        var want = expected.PeftTensors();
        var got = target.PeftTensors();
        Assert.Equal(want.Keys.Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, w) in want)
        {
            // ONLY_SOURCE_SHARED copies P* only; PEFT's u, v are then random draws that no init can reproduce.
            if (init == TargetInit.OnlySourceShared && name != PeftPromptTensorNames.PromptEmbeddings) continue;
            AssertComposedClose(w, got[name], $"{id} target {name} built with {init} from {sourcePath}");
        }
        foreach (var t in source.Values) t.Dispose();
    }

    [Theory]
    [MemberData(nameof(ContrastCases))]
    public void Should_Not_Average_The_Composed_Source_Prompts(string id)
    {
        using var scope = torch.NewDisposeScope();
        // Given
        var golden = PeftGoldenCases.Golden(id);
        var contrast = golden.GetProperty("contrast");
        string sourcePath = GoldenRoot.Combine(golden.GetProperty("adapter").GetProperty("prompt_tuning_init_state_dict_path").GetString()!);
        var source = SafetensorsFile.Read(sourcePath);
        using var sourcePrompt = MultitaskPrompt.FromPeftTensors(source, sourcePath);

        // When
        using var target = MultitaskPrompt.FromSource(source, sourcePath, TargetInit.AverageSourceTasks);
        var meanOfComposed = sourcePrompt.ComposedPrompts().mean([0]);
        double diff = (meanOfComposed - target.ComposedPrompt(0)).abs().max().item<float>();

        // Then: P* ∘ (mean u · mean v) is not mean_k (P* ∘ u_k v_k) (PEFT averages the factors separately).
        AssertComposedClose(GoldenTensor.ToTensor(contrast.GetProperty("mean_of_source_task_prompts")), meanOfComposed,
            $"{id} contrast.mean_of_source_task_prompts");
        double wantDiff = contrast.GetProperty("max_abs_diff_vs_target_prompt").GetDouble();
        Assert.InRange(diff, wantDiff - 1e-5 - 1e-5 * wantDiff, wantDiff + 1e-5 + 1e-5 * wantDiff);
        Assert.True(diff > 1e-3, $"{id}: the averaged-factor prompt should differ from the mean composed prompt, max diff {diff}");
        foreach (var t in source.Values) t.Dispose();
    }

    private static TargetInit ParseTargetInit(string peftName, string id) => peftName switch
    {
        "AVERAGE_SOURCE_TASKS" => TargetInit.AverageSourceTasks,
        "EXACT_SOURCE_TASK" => TargetInit.ExactSourceTask,
        "ONLY_SOURCE_SHARED" => TargetInit.OnlySourceShared,
        _ => throw new InvalidDataException($"{id}: prompt_tuning_init '{peftName}' is not a source-based init."),
    };
}
