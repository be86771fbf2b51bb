using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Tests.Infrastructure;

/// <summary>
/// Reads the golden-file tensor objects <c>{"dtype": "float32"|"int64", "shape": [...], "data": [...]}</c>
/// (flat, row-major; docs/testing.md §2.2) and compares tensors with the documented tolerances.
/// </summary>
public static class GoldenTensor
{
    /// <summary>Loads a whole golden JSON file.</summary>
    public static JsonElement LoadJson(string path)
    {
        using var stream = File.OpenRead(path);
        using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
        return doc.RootElement.Clone();
    }

    /// <summary>Follows a dotted path such as <c>outputs.logits</c>.</summary>
    public static JsonElement At(JsonElement root, string dottedPath)
    {
        JsonElement e = root;
        foreach (string part in dottedPath.Split('.'))
        {
            if (!e.TryGetProperty(part, out e))
                throw new KeyNotFoundException($"golden key '{dottedPath}' not found (missing '{part}').");
        }
        return e;
    }

    public static long[] Shape(JsonElement t) => t.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();

    /// <summary>A CPU tensor (float32 or int64) built from a golden tensor object.</summary>
    public static Tensor ToTensor(JsonElement t)
    {
        string dtype = t.GetProperty("dtype").GetString()!;
        long[] shape = Shape(t);
        var data = t.GetProperty("data");
        return dtype switch
        {
            "float32" => torch.tensor(data.EnumerateArray().Select(ReadFloat).ToArray(), dtype: ScalarType.Float32).reshape(shape),
            "int64" => torch.tensor(data.EnumerateArray().Select(x => x.GetInt64()).ToArray(), dtype: ScalarType.Int64).reshape(shape),
            _ => throw new NotSupportedException($"golden dtype '{dtype}'"),
        };
    }

    public static Tensor ToTensor(JsonElement root, string dottedPath) => ToTensor(At(root, dottedPath));

    private static float ReadFloat(JsonElement x) => x.ValueKind == JsonValueKind.String
        ? x.GetString() switch
        {
            "NaN" => float.NaN,
            "Infinity" => float.PositiveInfinity,
            "-Infinity" => float.NegativeInfinity,
            var s => throw new FormatException($"unexpected float string '{s}'"),
        }
        : x.GetSingle();

    /// <summary>
    /// Asserts |got - want| &lt;= abs + rel·|want| elementwise; the message names the worst element.
    /// </summary>
    public static void AssertClose(Tensor want, Tensor got, double abs, double rel, string what)
    {
        using var scope = torch.NewDisposeScope();
        Xunit.Assert.True(want.shape.SequenceEqual(got.shape),
            $"{what}: shape [{string.Join(",", got.shape)}] != expected [{string.Join(",", want.shape)}]");
        var w = want.to(ScalarType.Float64, torch.CPU);
        var g = got.detach().to(ScalarType.Float64, torch.CPU);
        var excess = (g - w).abs() - (abs + rel * w.abs());
        double worst = excess.max().item<double>();
        if (worst > 0)
        {
            long idx = excess.flatten().argmax().item<long>();
            double gv = g.flatten()[idx].item<double>(), wv = w.flatten()[idx].item<double>();
            Xunit.Assert.Fail($"{what}: element {idx} got {gv:R}, want {wv:R} (|diff| {Math.Abs(gv - wv):E3} > {abs} + {rel}·|want|)");
        }
    }

    /// <summary>Asserts two integer tensors are identical.</summary>
    public static void AssertEqualIds(Tensor want, Tensor got, string what)
    {
        long[] w = want.to(ScalarType.Int64).data<long>().ToArray();
        long[] g = got.to(ScalarType.Int64).data<long>().ToArray();
        Xunit.Assert.True(want.shape.SequenceEqual(got.shape),
            $"{what}: shape [{string.Join(",", got.shape)}] != expected [{string.Join(",", want.shape)}]");
        Xunit.Assert.Equal(w, g);
    }
}
