using System.CommandLine;
using Mpt.Prompts;

namespace Mpt.Cli.Commands;

/// <summary>Options several verbs share.</summary>
public static class CommonOptions
{
    /// <summary>--tokenizer, --device, --dtype.</summary>
    public static (Option<string?> Tokenizer, Option<string> Device, Option<string> Dtype) ModelRuntime()
    {
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer folder (spiece.model) when the model folder has none." };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:N] (cuda needs a CUDA build of libtorch).", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "Backbone dtype.", DefaultValueFactory = _ => "float32" };
        dtype.AcceptOnlyFromAmong("float32", "bfloat16");
        return (tokenizer, device, dtype);
    }

    /// <summary>The task prompt to use: the given id, or 0 for a single-task prompt.</summary>
    public static int TaskId(PromptEncoder encoder, int? taskId)
    {
        if (taskId is int id) return id;
        if (encoder.NumTasks == 1) return 0;
        throw new ArgumentException($"the prompt holds {encoder.NumTasks} task prompts: choose one with --task-id (0..{encoder.NumTasks - 1}).");
    }
}
