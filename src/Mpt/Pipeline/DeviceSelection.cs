using TorchSharp;

namespace Mpt.Pipeline;

/// <summary>Turns the <c>device</c> / <c>dtype</c> settings into torch values, with a clear error when CUDA is missing.</summary>
public static class DeviceSelection
{
    /// <summary>The torch device for <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    /// <exception cref="ConfigException">CUDA asked for but not available (this build ships the CPU libtorch).</exception>
    public static torch.Device Device(string name)
    {
        if (name == "cpu") return torch.CPU;
        if (!name.StartsWith("cuda", StringComparison.Ordinal)) throw new ConfigException($"model.device must be cpu, cuda or cuda:N, got '{name}'.");
        if (!torch.cuda.is_available())
            throw new ConfigException($"model.device is '{name}' but CUDA is not available: this process loaded a CPU-only libtorch " +
                "(package libtorch-cpu) or no GPU/driver was found. Use --device cpu, or install a CUDA libtorch package (e.g. libtorch-cuda-12.x-linux-x64) and run on a machine with an NVIDIA driver.");
        return torch.device(name);
    }

    /// <summary>The torch dtype for <c>float32</c> or <c>bfloat16</c>.</summary>
    public static torch.ScalarType DType(string name) => name switch
    {
        "float32" => torch.ScalarType.Float32,
        "bfloat16" => torch.ScalarType.BFloat16,
        Numerics.AutoDtype.Name => throw new ConfigException("model.dtype 'auto' is resolved when a pipeline run starts (PipelineRunner, mpt run/teachers/distill/adapt); " +
                                                      "here give float32 or bfloat16."),
        _ => throw new ConfigException($"model.dtype must be float32 or bfloat16, got '{name}'."),
    };
}
