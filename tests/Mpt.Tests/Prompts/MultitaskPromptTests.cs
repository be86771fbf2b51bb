using Mpt.Prompts;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Prompts;

public sealed class MultitaskPromptTests
{
    // A hand-checkable 2×3 case (independent of the golden files): P* = [[1,2,3],[4,5,6]], two tasks of rank 1.
    private static readonly float[] SharedValues = [1, 2, 3, 4, 5, 6];
    private static readonly float[] ColValues = [2, -1, 0.5f, 3];          // u_0 = (2, -1), u_1 = (0.5, 3)
    private static readonly float[] RowValues = [1, 0, -2, 10, 0.1f, 1];  // v_0 = (1, 0, -2), v_1 = (10, 0.1, 1)

    private static MultitaskPrompt HandCase() => new(
        torch.tensor(SharedValues).reshape(2, 3), torch.tensor(ColValues).reshape(2, 2, 1), torch.tensor(RowValues).reshape(2, 1, 3));

    [Fact]
    public void Should_Compose_P_Star_Times_The_Outer_Product_Per_Row_Task()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = HandCase();

        // When: a mixed batch with tasks 1, 0, 1
        var got = prompt.call(torch.tensor(new long[] { 1, 0, 1 }));

        // Then: P̂_k[i,j] = P*[i,j]·u_k[i]·v_k[j], written out by hand
        float[] task0 = [1 * 2 * 1, 2 * 2 * 0, 3 * 2 * -2, 4 * -1 * 1, 5 * -1 * 0, 6 * -1 * -2];
        float[] task1 = [1 * 0.5f * 10, 2 * 0.5f * 0.1f, 3 * 0.5f * 1, 4 * 3 * 10, 5 * 3 * 0.1f, 6 * 3 * 1];
        Assert.Equal([3L, 2, 3], got.shape);
        Assert.Equal(task1, got[0].flatten().data<float>().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal(task0, got[1].flatten().data<float>().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal(task1, got[2].flatten().data<float>().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal(task0, prompt.ComposedPrompt(0).flatten().data<float>().ToArray(), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Should_Backpropagate_The_Chain_Rule_Of_The_Hadamard_Composition()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = HandCase();
        // Given: loss = Σ G ∘ P̂ over a batch with tasks [0, 0, 1], so dL/dP̂_b = G_b
        var g = torch.arange(18, ScalarType.Float32).reshape(3, 2, 3) / 10;
        var loss = (prompt.call(torch.tensor(new long[] { 0, 0, 1 })) * g).sum();

        // When
        loss.backward();

        // Then: dP* = Σ_b G_b ∘ W_{t_b}; du_t[i] = Σ_{b:t_b=t} Σ_j G_b[i,j] P*[i,j] v_t[j]; dv_t[j] = Σ Σ_i G_b[i,j] P*[i,j] u_t[i]
        float[] gv = g.flatten().data<float>().ToArray();
        int[] tasks = [0, 0, 1];
        var dP = new double[6]; var du = new double[4]; var dv = new double[6];
        for (int b = 0; b < 3; b++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 3; j++)
                {
                    int t = tasks[b];
                    double gij = gv[b * 6 + i * 3 + j], p = SharedValues[i * 3 + j], u = ColValues[t * 2 + i], v = RowValues[t * 3 + j];
                    dP[i * 3 + j] += gij * u * v;
                    du[t * 2 + i] += gij * p * v;
                    dv[t * 3 + j] += gij * p * u;
                }
        AssertClose(dP, prompt.SharedPrompt.grad!);
        AssertClose(du, prompt.TaskCols.grad!);
        AssertClose(dv, prompt.TaskRows.grad!);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Should_Start_Every_Task_At_P_Star_With_Ones_Init(int rank)
    {
        using var scope = torch.NewDisposeScope();
        var shared = torch.randn(4, 6);
        using var prompt = MultitaskPrompt.Create(shared, numTasks: 3, rank: rank, taskVectorInit: TaskVectorInit.Ones);
        var composed = prompt.ComposedPrompts();
        for (int k = 0; k < 3; k++)
            Assert.True(composed[k].allclose(shared, rtol: 1e-6, atol: 1e-7), $"task {k} should equal P* at step 0 (rank {rank})");
    }

    [Fact]
    public void Should_Draw_Peft_Normal_Task_Vectors_Reproducibly_With_Std_0_02()
    {
        using var scope = torch.NewDisposeScope();
        var shared = torch.randn(50, 40);
        using var a = MultitaskPrompt.Create(shared, numTasks: 4, rank: 2, taskVectorInit: TaskVectorInit.PeftNormal, seed: 7);
        using var b = MultitaskPrompt.Create(shared, numTasks: 4, rank: 2, taskVectorInit: TaskVectorInit.PeftNormal, seed: 7);
        using var c = MultitaskPrompt.Create(shared, numTasks: 4, rank: 2, taskVectorInit: TaskVectorInit.PeftNormal, seed: 8);
        Assert.True(a.TaskCols.equal(b.TaskCols).all().item<bool>());
        Assert.True(a.TaskRows.equal(b.TaskRows).all().item<bool>());
        Assert.False(a.TaskRows.equal(c.TaskRows).all().item<bool>());
        double stdCols = a.TaskCols.std().item<float>(), stdRows = a.TaskRows.std().item<float>();
        Assert.InRange(stdCols, 0.017, 0.023); // 400 draws: the sample std is within ±15% of 0.02 with overwhelming probability
        Assert.InRange(stdRows, 0.018, 0.022); // 320 draws
        // The reason Ones is the default: PEFT's init starts every prompt near 0.
        Assert.True(a.ComposedPrompts().abs().max().item<float>() < 0.05 * shared.abs().max().item<float>());
    }

    [Fact]
    public void Should_Give_Multiple_Targets_One_Shared_Prompt_And_The_Averaged_Factors()
    {
        using var scope = torch.NewDisposeScope();
        using var source = MultitaskPrompt.Create(torch.randn(5, 8), numTasks: 3, rank: 2, TaskVectorInit.PeftNormal, seed: 1);

        using var targets = MultitaskPrompt.FromSource(source, TargetInit.AverageSourceTasks, numTargets: 4);
        using var exact = MultitaskPrompt.FromSource(source, TargetInit.ExactSourceTask, numTargets: 2, sourceTask: 1);
        using var onlyShared = MultitaskPrompt.FromSource(source, TargetInit.OnlySourceShared);

        Assert.Equal(4, targets.NumTasks);
        Assert.True(targets.SharedPrompt.equal(source.SharedPrompt).all().item<bool>());
        var meanCols = source.TaskCols.mean([0]);
        var meanRows = source.TaskRows.mean([0]);
        for (int t = 0; t < 4; t++)
        {
            Assert.True(targets.TaskCols[t].allclose(meanCols, rtol: 1e-6, atol: 0));
            Assert.True(targets.TaskRows[t].allclose(meanRows, rtol: 1e-6, atol: 0));
        }
        for (int t = 0; t < 2; t++)
        {
            Assert.True(exact.TaskCols[t].equal(source.TaskCols[1]).all().item<bool>());
            Assert.True(exact.TaskRows[t].equal(source.TaskRows[1]).all().item<bool>());
        }
        Assert.True(onlyShared.SharedPrompt.equal(source.SharedPrompt).all().item<bool>());
        Assert.True(onlyShared.ComposedPrompt(0).allclose(source.SharedPrompt, rtol: 1e-6, atol: 1e-7)); // Ones default
        // Each target's factors are its own parameters, not views of one another.
        using (torch.no_grad()) targets.TaskCols[0].add_(1);
        Assert.False(targets.TaskCols[1].equal(targets.TaskCols[0]).all().item<bool>());
    }

    [Fact]
    public void Should_Export_One_Task_As_A_Plain_Prompt()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = HandCase();
        using var exported = prompt.ToSoftPrompt(1);
        var tensors = exported.PeftTensors();
        Assert.Equal([PeftPromptTensorNames.PromptEmbeddings], tensors.Keys);
        Assert.True(tensors[PeftPromptTensorNames.PromptEmbeddings].allclose(prompt.ComposedPrompt(1)));
        Assert.Equal(2 * 3, exported.TrainableParameterCount());
    }

    [Fact]
    public void Should_Reject_Out_Of_Range_Task_Ids_And_Mismatched_Tensors()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = HandCase();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => prompt.call(torch.tensor(new long[] { 0, 2 })));
        Assert.Contains("[0, 1]", e.Message);
        Assert.Throws<ArgumentException>(() => prompt.call(torch.tensor(new int[] { 0 })));
        var bad = prompt.PeftTensors().ToDictionary(kv => kv.Key, kv => kv.Value);
        bad[PeftPromptTensorNames.PrefixTaskRows] = torch.zeros(2, 1, 4);
        var load = Assert.Throws<InvalidDataException>(() => prompt.LoadPeftTensors(bad, "x.safetensors"));
        Assert.Contains("x.safetensors", load.Message);
        Assert.Contains(PeftPromptTensorNames.PrefixTaskRows, load.Message);
        bad.Remove(PeftPromptTensorNames.PrefixTaskRows);
        Assert.Throws<InvalidDataException>(() => MultitaskPrompt.FromPeftTensors(bad, "y"));
        bad[PeftPromptTensorNames.PrefixTaskRows] = torch.zeros(2, 1, 3);
        bad["extra"] = torch.zeros(1);
        Assert.Throws<InvalidDataException>(() => prompt.LoadPeftTensors(bad, "z"));
    }

    [Fact]
    public void Should_Round_Trip_Peft_Tensors_Through_LoadPeftTensors()
    {
        using var scope = torch.NewDisposeScope();
        using var a = HandCase();
        using var b = MultitaskPrompt.Create(torch.zeros(2, 3), numTasks: 2, rank: 1);
        b.LoadPeftTensors(a.PeftTensors(), "a");
        Assert.True(b.ComposedPrompts().equal(a.ComposedPrompts()).all().item<bool>());
    }

    private static void AssertClose(double[] want, Tensor got)
    {
        float[] g = got.flatten().data<float>().ToArray();
        Assert.Equal(want.Length, g.Length);
        for (int i = 0; i < g.Length; i++)
            Assert.True(Math.Abs(g[i] - want[i]) <= 1e-5 + 1e-5 * Math.Abs(want[i]), $"element {i}: got {g[i]}, want {want[i]}");
    }
}

/// <summary>Absolute float comparer for xunit's collection Assert.Equal.</summary>
internal sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance * (1 + Math.Abs(y));
    public int GetHashCode(float obj) => 0;
}
