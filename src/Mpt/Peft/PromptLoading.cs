using Mpt.Evaluation;
using Mpt.Model;
using Mpt.Prompts;
using Mpt.Runs;

namespace Mpt.Peft;

/// <summary>Loads the prompt a CLI verb or <c>mpt serve</c> is given: a PEFT adapter folder (checked against the model), a run folder, or a file.</summary>
public static class PromptLoading
{
    /// <summary>
    /// The prompt at <paramref name="path"/>: a PEFT adapter folder is loaded with the model safety rail (a prompt recorded
    /// for other weights is refused unless <paramref name="allowMismatch"/>); a run folder gives its prompt.safetensors;
    /// anything else is read as a prompt safetensors file.
    /// </summary>
    public static PromptEncoder Load(string path, T5ForConditionalGeneration? model, bool allowMismatch) =>
        Load(path, model is null ? null : ModelFingerprint.Compute(model), allowMismatch);

    /// <summary>As <see cref="Load(string, T5ForConditionalGeneration?, bool)"/> for any backbone, given its fingerprint (null = no check).</summary>
    public static PromptEncoder Load(string path, ModelFingerprint? model, bool allowMismatch)
    {
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, PeftAdapter.ConfigFileName)))
        {
            var options = new PeftLoadOptions { AllowModelMismatch = allowMismatch };
            return (model is null ? PeftAdapter.Load(path, options) : PeftAdapter.Load(path, model, options)).Encoder;
        }
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, RunFolder.PromptFile)))
        {
            // A run folder: prefer its PEFT adapter (it records the model), else the raw prompt file.
            string adapter = Path.Combine(path, Pipeline.PipelineRunner.AdapterDir);
            return Directory.Exists(adapter) ? Load(adapter, model, allowMismatch) : PromptFile.Load(Path.Combine(path, RunFolder.PromptFile));
        }
        return PromptFile.Load(path);
    }

    /// <summary>
    /// The input format recorded with the prompt at <paramref name="path"/> (an adapter folder, or a run folder's
    /// adapter): null when nothing is recorded (a PEFT adapter, a raw prompt file, or a run made before the record
    /// existed), in which case the caller's default stands.
    /// </summary>
    /// <exception cref="InvalidDataException">The record exists but is malformed (the file and key are named).</exception>
    public static TrainedInput? TrainedInputOf(string path)
    {
        if (!Directory.Exists(path)) return null;
        return PromptTaskFile.Read(AdapterFolderOf(path)) is { } task ? new TrainedInput(task.Task, task.InputPrefix) : null;
    }

    /// <summary>The adapter folder a folder names: itself when it holds <c>adapter_config.json</c> or has no
    /// <c>adapter/</c> subfolder, else its <c>adapter/</c> (a run folder's).</summary>
    public static string AdapterFolderOf(string folder)
    {
        string adapter = Path.Combine(folder, Pipeline.PipelineRunner.AdapterDir);
        return File.Exists(Path.Combine(folder, PeftAdapter.ConfigFileName)) || !Directory.Exists(adapter) ? folder : adapter;
    }
}
