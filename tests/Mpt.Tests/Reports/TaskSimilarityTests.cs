using Mpt.Prompts;
using Mpt.Reports;
using TorchSharp;
using Xunit;

namespace Mpt.Tests.Reports;

public sealed class TaskSimilarityTests
{
    private const double Tolerance = 1e-12; // float64 arithmetic on small exact inputs

    [Fact]
    public void Should_Compute_Pairwise_Cosine_Of_Flattened_Tensors()
    {
        using var scope = torch.NewDisposeScope();
        // Given: a = (3, 4), b = (4, 3), c = (-3, -4) as [1, 2] matrices, d = (0, 5) as a [2, 1] matrix (same size)
        var a = torch.tensor(new float[] { 3, 4 }).reshape(1, 2);
        var b = torch.tensor(new float[] { 4, 3 }).reshape(1, 2);
        var c = torch.tensor(new double[] { -3, -4 }).reshape(1, 2);
        var d = torch.tensor(new float[] { 0, 5 }).reshape(2, 1);

        var cos = TaskSimilarity.Cosine([a, b, c, d]);

        // Then: ⟨a,b⟩ = 24, ‖a‖‖b‖ = 25 → 0.96; c = −a → −1; ⟨a,d⟩ = 20 / 25 = 0.8; ⟨b,d⟩ = 15 / 25 = 0.6
        double[,] want =
        {
            { 1, 0.96, -1, 0.8 },
            { 0.96, 1, -0.96, 0.6 },
            { -1, -0.96, 1, -0.8 },
            { 0.8, 0.6, -0.8, 1 },
        };
        AssertMatrix(want, cos);
    }

    [Fact]
    public void Should_Give_NaN_For_An_All_Zero_Tensor_And_Refuse_Different_Sizes()
    {
        using var scope = torch.NewDisposeScope();
        var cos = TaskSimilarity.Cosine([torch.tensor(new float[] { 1, 2 }), torch.zeros(2)]);
        Assert.Equal(1, cos[0, 0], Tolerance);
        Assert.True(double.IsNaN(cos[0, 1]) && double.IsNaN(cos[1, 0]) && double.IsNaN(cos[1, 1]));

        var e = Assert.Throws<ArgumentException>(() => TaskSimilarity.Cosine([torch.zeros(2), torch.zeros(3)]));
        Assert.Contains("tensor 1 has 3 elements, tensor 0 has 2", e.Message);
    }

    [Fact]
    public void Should_Compare_Task_Matrices_As_The_Product_Of_The_Factor_Cosines()
    {
        using var scope = torch.NewDisposeScope();
        using var prompt = new MultitaskPrompt(torch.ones(2, 3),
            torch.tensor(SyntheticRunFolder.TaskCols).reshape(3, 2, 1), torch.tensor(SyntheticRunFolder.TaskRows).reshape(3, 1, 3));

        var matrices = TaskSimilarity.OfMultitaskPrompt(prompt, SyntheticRunFolder.MultitaskTasks, MultitaskSimilarity.TaskMatrices);
        // P* = 1, so the composed prompts equal the task matrices here
        var composed = TaskSimilarity.OfMultitaskPrompt(prompt, SyntheticRunFolder.MultitaskTasks, MultitaskSimilarity.ComposedPrompts);

        double r = Math.Sqrt(0.5);
        double[,] want = { { 1, r, 0 }, { r, 1, 0.5 }, { 0, 0.5, 1 } };
        AssertMatrix(want, matrices.Values);
        AssertMatrix(want, composed.Values);
        Assert.Equal(SyntheticRunFolder.MultitaskTasks, matrices.Labels);
        Assert.Throws<ArgumentException>(() => TaskSimilarity.OfMultitaskPrompt(prompt, ["a", "b"], MultitaskSimilarity.TaskMatrices));
    }

    [Fact]
    public void Should_Weight_Composed_Prompts_By_The_Shared_Prompt()
    {
        using var scope = torch.NewDisposeScope();
        // P* = [[2, 0, 1], [1, 1, 0]]; u_0 = u_1 = (1, 1), v_0 = (1, 0, 0), v_1 = (0, 0, 1)
        using var prompt = new MultitaskPrompt(torch.tensor(new float[] { 2, 0, 1, 1, 1, 0 }).reshape(2, 3),
            torch.ones(2, 2, 1), torch.tensor(new float[] { 1, 0, 0, 0, 0, 1 }).reshape(2, 1, 3));

        var composed = TaskSimilarity.OfMultitaskPrompt(prompt, ["x", "y"], MultitaskSimilarity.ComposedPrompts);

        // P̂_0 = [[2,0,0],[1,0,0]], P̂_1 = [[0,0,1],[0,0,0]]: disjoint supports → 0
        AssertMatrix(new double[,] { { 1, 0 }, { 0, 1 } }, composed.Values);
    }

    [Fact]
    public void Should_Read_Teacher_And_Multitask_Prompt_Files_With_Peft_Names()
    {
        using var run = new SyntheticRunFolder().WithPromptFiles();
        var files = SyntheticRunFolder.Prompts;

        var teachers = TaskSimilarity.ReadTeacherPrompts(run.Path, files.Teachers!);
        var multitask = TaskSimilarity.ReadMultitaskPrompt(run.Path, files.Multitask!, MultitaskSimilarity.TaskMatrices);

        double r = Math.Sqrt(0.5);
        AssertMatrix(new double[,] { { 1, r }, { r, 1 } }, teachers.Values);
        Assert.Equal(["mnli", "qqp"], teachers.Labels);
        AssertMatrix(new double[,] { { 1, r, 0 }, { r, 1, 0.5 }, { 0, 0.5, 1 } }, multitask.Values);

        var wrongCount = Assert.Throws<InvalidDataException>(() =>
            TaskSimilarity.ReadMultitaskPrompt(run.Path, files.Multitask! with { Tasks = ["a", "b"] }, MultitaskSimilarity.TaskMatrices));
        Assert.Contains("multitask.safetensors: the prompt has 3 tasks but results.json names 2 (a, b)", wrongCount.Message);
        Mpt.Checkpoints.SafetensorsFile.Write(run.File("prompts/other.safetensors"),
            new Dictionary<string, torch.Tensor> { ["weight"] = torch.zeros(2, 3) });
        var notAPrompt = Assert.Throws<InvalidDataException>(() => TaskSimilarity.ReadTeacherPrompts(run.Path,
            new Dictionary<string, string> { ["mnli"] = "prompts/teacher-mnli.safetensors", ["x"] = "prompts/other.safetensors" }));
        Assert.Contains("other.safetensors: teacher prompt of task 'x' has no tensor 'prompt_embeddings' (has: weight)", notAPrompt.Message);

        Mpt.Checkpoints.SafetensorsFile.Write(run.File("prompts/longer.safetensors"),
            new Dictionary<string, torch.Tensor> { ["prompt_embeddings"] = torch.zeros(4, 3) });
        var otherShape = Assert.Throws<InvalidDataException>(() => TaskSimilarity.ReadTeacherPrompts(run.Path,
            new Dictionary<string, string> { ["mnli"] = "prompts/teacher-mnli.safetensors", ["y"] = "prompts/longer.safetensors" }));
        Assert.Contains("longer.safetensors: prompt shape [4, 3] differs from [2, 3]", otherShape.Message);
    }

    private static void AssertMatrix(double[,] want, double[,] got)
    {
        Assert.Equal(want.GetLength(0), got.GetLength(0));
        Assert.Equal(want.GetLength(1), got.GetLength(1));
        for (int i = 0; i < want.GetLength(0); i++)
            for (int j = 0; j < want.GetLength(1); j++)
                Assert.True(Math.Abs(want[i, j] - got[i, j]) <= Tolerance, $"[{i},{j}]: want {want[i, j]}, got {got[i, j]}");
    }
}
