using Mpt.Checkpoints;
using Mpt.Prompts;
using static TorchSharp.torch;

namespace Mpt.Evaluation;

/// <summary>
/// Reads a trained prompt from a safetensors file with PEFT's tensor names (docs/method.md §5.2): <c>prompt_embeddings</c>
/// alone is plain prompt tuning (<see cref="SoftPrompt"/>); with <c>prefix_task_cols</c> and <c>prefix_task_rows</c>
/// it is an MPT prompt (<see cref="MultitaskPrompt"/>). A PEFT adapter folder works too: its
/// <c>adapter_model.safetensors</c> is read.
/// </summary>
public static class PromptFile
{
    /// <summary>The PEFT adapter weights file name.</summary>
    public const string AdapterWeightsFileName = "adapter_model.safetensors";

    /// <summary>Loads the prompt encoder stored in <paramref name="path"/> (a .safetensors file or a PEFT adapter folder).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt or holds neither tensor set (the message names the file).</exception>
    public static PromptEncoder Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) path = Path.Combine(path, AdapterWeightsFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"Prompt file '{path}' does not exist.", path);
        Dictionary<string, Tensor> tensors = SafetensorsFile.Read(path);
        try
        {
            if (tensors.ContainsKey(PeftPromptTensorNames.PrefixTaskCols) || tensors.ContainsKey(PeftPromptTensorNames.PrefixTaskRows))
                return MultitaskPrompt.FromPeftTensors(tensors, path);
            return SoftPrompt.FromPeftTensors(tensors, path);
        }
        finally
        {
            foreach (Tensor t in tensors.Values) t.Dispose();
        }
    }
}
