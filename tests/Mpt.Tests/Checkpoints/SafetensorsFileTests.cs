using Mpt.Checkpoints;
using Mpt.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Mpt.Tests.Checkpoints;

public sealed class SafetensorsFileTests
{
    public static TheoryData<string> Models() => new(GoldenRoot.ModelNames());

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_Read_Every_Golden_Checkpoint_And_Round_Trip_It_Exactly(string model)
    {
        // Given
        string path = GoldenRoot.Combine("models", model, "model.safetensors");
        var tensors = SafetensorsFile.Read(path);
        string tmp = Path.Combine(Path.GetTempPath(), $"mpt-st-{Guid.NewGuid():N}.safetensors");
        try
        {
            // When
            SafetensorsFile.Write(tmp, tensors);
            var again = SafetensorsFile.Read(tmp);

            // Then
            Assert.Contains("shared.weight", tensors.Keys);
            Assert.Equal(tensors.Keys.OrderBy(k => k, StringComparer.Ordinal), again.Keys.OrderBy(k => k, StringComparer.Ordinal));
            foreach (var (name, t) in tensors)
            {
                Assert.Equal(t.shape, again[name].shape);
                Assert.Equal(t.bytes.ToArray(), again[name].bytes.ToArray());
            }
            // HF save_pretrained writes names sorted and pads the header to 8 bytes: our writer reproduces the same bytes.
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(tmp));
        }
        finally
        {
            File.Delete(tmp);
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
