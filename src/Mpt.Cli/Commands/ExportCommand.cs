using System.CommandLine;
using Mpt.Backbones;
using Mpt.Model;
using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Prompts;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>mpt export --prompt P --model DIR --out DIR [--task-id K]</c>: writes a prompt as a PEFT adapter
/// (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>, plus <c>mpt_model.json</c> recording the model):
/// MULTITASK_PROMPT_TUNING for an MPT prompt, PROMPT_TUNING for a plain one, or with <c>--task-id</c> one task of an MPT
/// prompt compressed to a single PROMPT_TUNING matrix P̂_k = P* ∘ (u_k v_k) (paper footnote 2).
/// </summary>
public static class ExportCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create(CliContext context)
    {
        var prompt = new Option<string>("--prompt") { Description = "Prompt: a run folder (e.g. RUN/distill), a .safetensors file or a PEFT folder.", Required = true };
        var model = new Option<string>("--model") { Description = $"The model the prompt was trained for (recorded in mpt_model.json): {RunBackbones.Supported}.", Required = true };
        var output = new Option<string>("--out") { Description = "Adapter folder to write.", Required = true };
        var taskId = new Option<int?>("--task-id") { Description = "Export only task K of an MPT prompt, compressed to one PROMPT_TUNING matrix." };
        var baseName = new Option<string?>("--base-model-name") { Description = "base_model_name_or_path written to adapter_config.json (default: --model)." };
        var allow = new Option<bool>("--allow-model-mismatch") { Description = "Experts: export a PEFT prompt recorded for another model." };
        var (_, device, dtype) = CommonOptions.ModelRuntime();
        var command = new Command("export", "Write a prompt as a PEFT adapter (multitask, or one target compressed to prompt tuning).")
        {
            prompt, model, output, taskId, baseName, allow, device, dtype,
        };
        command.SetAction(parse =>
        {
            string modelDir = parse.GetValue(model)!, outDir = parse.GetValue(output)!;
            var modelConfig = new ModelConfig { Path = modelDir, Device = parse.GetValue(device)!, Dtype = parse.GetValue(dtype)! };
            using var backbone = RunBackbones.Load(modelConfig, new EvaluateConfig(), "--model");
            using PromptEncoder encoder = PromptLoading.Load(parse.GetValue(prompt)!, backbone.Fingerprint, parse.GetValue(allow));
            string name = parse.GetValue(baseName) ?? backbone.Name;
            PeftAdapterConfig Save(PromptEncoder p) =>
                PeftAdapter.Save(outDir, backbone.AdapterConfig(p) with { BaseModelNameOrPath = name }, p, backbone.Fingerprint);
            PeftAdapterConfig config;
            if (parse.GetValue(taskId) is int k)
            {
                if (encoder is not MultitaskPrompt mpt)
                    throw new ArgumentException($"--task-id applies to a multitask prompt; {parse.GetValue(prompt)} holds a plain prompt (export it without --task-id).");
                if (k < 0 || k >= mpt.NumTasks) throw new ArgumentException($"--task-id {k} is out of range: the prompt has tasks 0..{mpt.NumTasks - 1}.");
                using var single = mpt.ToSoftPrompt(k); // P̂_k compressed to one matrix (the paper's footnote 2)
                config = Save(single);
            }
            else config = Save(encoder);
            context.Output.WriteLine($"wrote {config.PeftType} adapter ({encoder.NumVirtualTokens} virtual tokens × {encoder.TokenDim}" +
                (config.NumTasks is int t ? $", {t} tasks" : "") + $") to {outDir}");
            return MptCli.Ok;
        });
        return command;
    }
}
