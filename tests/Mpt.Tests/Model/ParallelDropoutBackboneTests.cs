using Mpt.Encoder;
using Mpt.Model;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Mpt.Tests.Model;

/// <summary>
/// The dropout kernel as a backbone option: it reaches every dropout of T5 and of the BERT encoder, changes nothing in
/// eval mode or in the state dict, and a prompt-tuning step with the parallel kernel trains like one with the exact kernel.
/// </summary>
public sealed class ParallelDropoutBackboneTests(ITestOutputHelper output)
{
    // Dropout 0.3 instead of T5's 0.1 makes the dropout's effect on the loss large enough to compare distributions.
    private static T5Config TinyT5(double dropout) => new()
    {
        VocabSize = 64, DModel = 32, DKv = 8, DFf = 64, NumLayers = 2, NumDecoderLayers = 2, NumHeads = 4,
        DecoderStartTokenId = 0, DropoutRate = dropout,
    };

    private static T5ForConditionalGeneration Model(double dropout = 0.1)
    {
        torch.manual_seed(1);
        return new T5ForConditionalGeneration(TinyT5(dropout));
    }

    [Fact]
    public void T5_Kernel_Reaches_Every_Dropout_And_Defaults_To_Exact()
    {
        using var model = Model();
        var dropouts = model.modules().OfType<BackboneDropout>().ToList();
        // As in HF: one per stack (used on the embeddings and after the final norm); per block the attention weights
        // and output of each attention sub-layer, the FF hidden layer and FF output. Encoder 1 + 2·4, decoder 1 + 2·6.
        Assert.Equal(9 + 13, dropouts.Count);
        Assert.Equal(DropoutKernel.Exact, model.DropoutKernel);

        model.DropoutKernel = DropoutKernel.ParallelChunks;

        Assert.All(dropouts, d => Assert.Equal(DropoutKernel.ParallelChunks, d.Kernel));
        Assert.Equal(DropoutKernel.ParallelChunks, model.DropoutKernel);
        Assert.DoesNotContain(model.state_dict().Keys, k => k.Contains("dropout"));
    }

    [Fact]
    public void T5_Eval_Mode_Is_Identical_With_Either_Kernel()
    {
        using var scope = torch.NewDisposeScope();
        using var model = Model();
        model.eval();
        var (ids, mask, labels) = Batch();
        using var noGrad = torch.no_grad();
        var exact = model.Forward(ids, null, mask, null, labels).Logits;
        model.DropoutKernel = DropoutKernel.ParallelChunks;
        var parallel = model.Forward(ids, null, mask, null, labels).Logits;

        Assert.True(exact.equal(parallel).all().item<bool>());
    }

    [Fact]
    public void T5_Train_Mode_With_The_Parallel_Kernel_Is_Reproducible_From_The_Seed()
    {
        using var scope = torch.NewDisposeScope();
        using var model = Model();
        model.DropoutKernel = DropoutKernel.ParallelChunks;
        model.train();
        var (ids, mask, labels) = Batch();
        using var noGrad = torch.no_grad();
        torch.manual_seed(5);
        var a = model.Forward(ids, null, mask, null, labels).Logits;
        var b = model.Forward(ids, null, mask, null, labels).Logits;
        torch.manual_seed(5);
        var again = model.Forward(ids, null, mask, null, labels).Logits;

        Assert.True(a.equal(again).all().item<bool>());
        Assert.False(a.allclose(b), "train mode must apply dropout");
    }

    [Fact]
    public void T5_Prompt_Step_With_The_Parallel_Kernel_Gives_Finite_Losses_Distributed_Like_Exact_Ones()
    {
        using var model = Model(dropout: 0.3);
        foreach (var p in model.parameters()) p.requires_grad = false;
        model.train();
        var (ids, mask, labels) = Batch();
        using var fullMask = torch.cat([torch.ones(ids.shape[0], 3, ScalarType.Int64), mask], 1);
        using var promptGenerator = new torch.Generator(3);
        using var promptInit = torch.randn([3, 32], generator: promptGenerator) * 0.5; // fixed: the spread is dropout's
        Tensor Embeds(Tensor prompt) => torch.cat([prompt.unsqueeze(0).expand(ids.shape[0], -1, -1), model.EmbedTokens(ids)], 1);
        const int steps = 40;
        var losses = new Dictionary<DropoutKernel, List<double>>();
        foreach (var kernel in Enum.GetValues<DropoutKernel>())
        {
            model.DropoutKernel = kernel;
            torch.manual_seed(100);
            var runs = new List<double>();
            for (int i = 0; i < steps; i++)
            {
                using var scope = torch.NewDisposeScope();
                // A soft prompt of 3 rows before the token embeddings (the prompt-tuning step, without the optimizer).
                var prompt = promptInit.clone().requires_grad_(true);
                var loss = model.Forward(null, Embeds(prompt), fullMask, null, labels).Loss!;
                loss.backward();
                Assert.True(prompt.grad!.isfinite().all().item<bool>());
                runs.Add(loss.item<float>());
            }
            losses[kernel] = runs;
        }
        model.eval();
        double evalLoss;
        using (var noGrad = torch.no_grad())
        using (var scope = torch.NewDisposeScope())
            evalLoss = model.Forward(null, Embeds(promptInit), fullMask, null, labels).Loss!.item<float>();

        var (exactMean, exactSd) = MeanSd(losses[DropoutKernel.Exact]);
        var (parallelMean, parallelSd) = MeanSd(losses[DropoutKernel.ParallelChunks]);
        output.WriteLine($"loss exact {exactMean:F4} ± {exactSd:F4}, parallel {parallelMean:F4} ± {parallelSd:F4} over {steps} steps; eval {evalLoss:F4}");
        Assert.All(losses.Values.SelectMany(l => l), l => Assert.True(double.IsFinite(l)));
        Assert.True(parallelSd > 0, "the parallel kernel must draw a new mask per step");
        Assert.False(losses[DropoutKernel.Exact].SequenceEqual(losses[DropoutKernel.ParallelChunks]), "the kernels use different random streams");
        double standardError = Math.Sqrt((exactSd * exactSd + parallelSd * parallelSd) / steps);
        Assert.True(Math.Abs(exactMean - parallelMean) < 5 * standardError,
            $"mean losses differ by {Math.Abs(exactMean - parallelMean):G4}, more than 5 standard errors ({standardError:G4})");
        // The spread of the losses comes from dropout in both: comparable standard deviations.
        Assert.InRange(parallelSd / exactSd, 0.5, 2.0);
    }

    [Fact]
    public void Bert_Kernel_Reaches_Every_Dropout_And_Applies_Only_In_Training()
    {
        using var scope = torch.NewDisposeScope();
        var config = new BertConfig { VocabSize = 50, HiddenSize = 32, NumLayers = 2, NumHeads = 4, IntermediateSize = 64, MaxPositions = 16 };
        torch.manual_seed(2);
        using var model = new BertModel(config);
        // Embeddings + per layer attention probabilities, attention output and feed-forward output.
        Assert.Equal(1 + 3 * 2, model.modules().OfType<BackboneDropout>().Count());
        var ids = torch.randint(0, 50, [2, 7], ScalarType.Int64);
        var mask = torch.ones(2, 7, ScalarType.Int64);
        using var noGrad = torch.no_grad();
        model.eval();
        var exactEval = model.Forward(ids, mask).LastHiddenState;

        model.DropoutKernel = DropoutKernel.ParallelChunks;
        var parallelEval = model.Forward(ids, mask).LastHiddenState;
        model.train();
        torch.manual_seed(4);
        var first = model.Forward(ids, mask).LastHiddenState;
        torch.manual_seed(4);
        var again = model.Forward(ids, mask).LastHiddenState;
        var second = model.Forward(ids, mask).LastHiddenState;

        Assert.Equal(DropoutKernel.ParallelChunks, model.DropoutKernel);
        Assert.True(exactEval.equal(parallelEval).all().item<bool>());
        Assert.True(first.equal(again).all().item<bool>());
        Assert.False(first.allclose(second));
    }

    private static (Tensor Ids, Tensor Mask, Tensor Labels) Batch()
    {
        using var generator = new torch.Generator(7);
        var ids = torch.randint(2, 64, [4, 9], ScalarType.Int64, generator: generator);
        var labels = torch.randint(2, 64, [4, 3], ScalarType.Int64, generator: generator);
        return (ids, torch.ones(4, 9, ScalarType.Int64), labels);
    }

    private static (double Mean, double Sd) MeanSd(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return (mean, Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)));
    }
}
