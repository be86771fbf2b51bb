using System.CommandLine;
using System.Globalization;
using Mpt.Numerics;
using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Training;

namespace Mpt.Cli.Commands;

/// <summary>Options several verbs share.</summary>
public static class CommonOptions
{
    /// <summary>--tokenizer, --device, --dtype; <paramref name="auto"/>: --dtype also takes <c>auto</c>, which the verb
    /// resolves with <see cref="ResolveDtype"/>.</summary>
    public static (Option<string?> Tokenizer, Option<string> Device, Option<string> Dtype) ModelRuntime(bool auto = false)
    {
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer folder (spiece.model) when the model folder has none." };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:N] (cuda needs a CUDA build of libtorch).", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype")
        {
            Description = auto
                ? "Backbone dtype: float32, bfloat16, or auto (bfloat16 only where its GEMM is >= 1.15x float32's here, measured once per machine and cached; float32 for encoders and in the reproducible mode)."
                : "Backbone dtype.",
            DefaultValueFactory = _ => "float32",
        };
        if (auto) dtype.AcceptOnlyFromAmong("float32", "bfloat16", AutoDtype.Name);
        else dtype.AcceptOnlyFromAmong("float32", "bfloat16");
        return (tokenizer, device, dtype);
    }

    /// <summary>
    /// <paramref name="model"/> with <c>--dtype auto</c> replaced by what it resolves to (<see cref="ModelDtype.ResolveAuto"/>),
    /// the choice and its reason written to <paramref name="log"/> (stderr: stdout carries the verb's output); other
    /// dtypes unchanged. Call after the numerics mode and threads are applied (the probe's key holds the threads).
    /// </summary>
    public static ModelConfig ResolveDtype(ModelConfig model, bool reproducible, TextWriter log)
    {
        if (model.Dtype != AutoDtype.Name) return model;
        var choice = ModelDtype.ResolveAuto(model, new AutoDtype(), recordedDtype: null, reproducible, log.WriteLine);
        log.WriteLine(choice.Describe());
        return model with { Dtype = choice.Resolved };
    }

    /// <summary>
    /// <c>--group-by-length [FACTOR]</c>: length-grouped batches, mega-batches of FACTOR batches of each epoch's shuffle
    /// sorted by input length (HF Trainer's <c>group_by_length</c>); the bare flag takes HF's factor
    /// <see cref="LengthGrouping.DefaultFactor"/>, 0 turns grouping off (the default when the flag is absent).
    /// </summary>
    /// <param name="setting">The config setting the flag sets, named in the help text.</param>
    public static Option<int?> GroupByLength(string setting) => new("--group-by-length")
    {
        Description = "Length-grouped batches: sort each mega-batch of FACTOR batches of the shuffled data by input length, so batches pad less " +
                      $"(HF group_by_length; bare flag = {LengthGrouping.DefaultFactor}, 0 = off, the default; {setting}).",
        HelpName = "FACTOR",
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return LengthGrouping.DefaultFactor;
            string text = r.Tokens[0].Value;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int factor) && factor >= 0) return factor;
            r.AddError($"--group-by-length takes a number of batches per mega-batch (0 = off), got '{text}'.");
            return null;
        },
    };

    /// <summary>
    /// <c>--threads N</c>: libtorch intra-op threads for this command. Without it libtorch's default applies (one per
    /// physical core), which is the fastest on an idle machine; on a shared machine fewer threads avoid the OpenMP
    /// barrier stalls of an oversubscribed CPU (docs/performance.md).
    /// </summary>
    public static Option<int?> Threads() => new("--threads")
    {
        Description = "libtorch CPU threads (default: one per physical core).",
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1) return n;
            r.AddError($"--threads takes a positive number of threads, got '{text}'.");
            return null;
        },
    };

    /// <summary>Sets the libtorch thread count when <c>--threads</c> was given.</summary>
    public static void ApplyThreads(int? threads)
    {
        if (threads is int n) TorchSharp.torch.set_num_threads(n);
    }

    /// <summary>The task prompt to use: the given id, or 0 for a single-task prompt.</summary>
    public static int TaskId(PromptEncoder encoder, int? taskId)
    {
        if (taskId is int id) return id;
        if (encoder.NumTasks == 1) return 0;
        throw new ArgumentException($"the prompt holds {encoder.NumTasks} task prompts: choose one with --task-id (0..{encoder.NumTasks - 1}).");
    }
}
