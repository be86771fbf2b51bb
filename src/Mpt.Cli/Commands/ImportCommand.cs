using System.CommandLine;
using Mpt.Backbones;
using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Peft;
using Mpt.Pipeline;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>mpt import ADAPTER_DIR --out FILE [--model DIR]</c>: reads a PEFT prompt adapter (PROMPT_TUNING or
/// MULTITASK_PROMPT_TUNING, e.g. trained in Python) and writes its tensors as an Mpt prompt file
/// (<c>.safetensors</c> with PEFT tensor names, what <c>--prompt</c> and <c>adapt.source_prompt</c> take). With
/// <c>--model</c> the adapter is first checked against that model (the safety rail of <see cref="PeftAdapter"/>).
/// </summary>
public static class ImportCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create(CliContext context)
    {
        var adapter = new Argument<string>("adapter-dir") { Description = "PEFT adapter folder (adapter_config.json + adapter_model.safetensors or .bin)." };
        var output = new Option<string>("--out") { Description = "Prompt file to write (.safetensors).", Required = true };
        var model = new Option<string?>("--model") { Description = $"Check that the adapter belongs to this model: {RunBackbones.Supported}." };
        var allow = new Option<bool>("--allow-model-mismatch") { Description = "Experts: accept an adapter recorded for another model." };
        var encoderHalf = new Option<bool>("--encoder-half") { Description = "For num_transformer_submodules 2 adapters: keep only the encoder prompt rows." };
        var command = new Command("import", "Read a PEFT prompt adapter into an Mpt prompt file.") { adapter, output, model, allow, encoderHalf };
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(adapter)!, outPath = parse.GetValue(output)!;
            var options = new PeftLoadOptions { AllowModelMismatch = parse.GetValue(allow), UseEncoderHalfOfDecoderPrompts = parse.GetValue(encoderHalf) };
            LoadedPeftAdapter loaded;
            if (parse.GetValue(model) is { } modelDir)
            {
                using var backbone = RunBackbones.Load(new ModelConfig { Path = modelDir }, new EvaluateConfig(), "--model");
                loaded = PeftAdapter.Load(folder, backbone.Fingerprint, options);
            }
            else loaded = PeftAdapter.Load(folder, options);
            using var encoder = loaded.Encoder;
            if (Path.GetDirectoryName(Path.GetFullPath(outPath)) is { } dir) Directory.CreateDirectory(dir);
            var tensors = encoder.PeftTensors();
            try { SafetensorsFile.Write(outPath, tensors); }
            finally { foreach (var t in tensors.Values) t.Dispose(); }
            context.Output.WriteLine($"imported {loaded.Config.PeftType} ({encoder.NumVirtualTokens} × {encoder.TokenDim}, {encoder.NumTasks} task(s))" +
                (loaded.TrainedFor is { } f ? $", recorded for {f}" : ", no model record") + $" to {outPath}");
            return MptCli.Ok;
        });
        return command;
    }
}
