using System.CommandLine;
using System.Text.Json;
using Mpt.Backbones;
using Mpt.Encoder;
using Mpt.Evaluation;
using Mpt.Model;
using Mpt.Peft;
using Mpt.Pipeline;
using Mpt.Prompts;
using Mpt.Tasks;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>mpt predict --model DIR --input FILE [--prompt P] [--task NAME]</c>: greedy generation for every line of a text
/// file (the line is the model input) or every row of a task's data file (formatted as in training; the label is optional
/// and, when a row has one, echoed as its target), written as JSON Lines <c>{"source", "prediction"[, "target"]}</c>.
/// </summary>
public static class PredictCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = $"The backbone: {RunBackbones.Supported}.", Required = true };
        var input = new Option<string>("--input") { Description = "A .txt file (one input per line) or a task data file (.jsonl, .parquet, .csv, .tsv; needs --task; the label column is optional).", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "Prompt: PEFT adapter folder, run folder or .safetensors file." };
        var taskId = new Option<int?>("--task-id") { Description = "Which task prompt of a multitask prompt to use." };
        var task = new Option<string?>("--task") { Description = "Task whose format the data file's rows get (and whose labels bound generation)." };
        var taskFile = new Option<string?>("--task-file") { Description = "JSON file with extra task definitions." };
        var output = new Option<string?>("--out") { Description = "Write the predictions here (JSON Lines); default stdout." };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate (free text).", DefaultValueFactory = _ => 32 };
        var batchSize = new Option<int>("--batch-size") { Description = "Inputs per batch.", DefaultValueFactory = _ => 32 };
        var maxSource = new Option<int>("--max-source-length") { Description = "Input tokens including eos.", DefaultValueFactory = _ => 256 };
        var noPrefix = TaskPrefixOption.Create();
        var allow = new Option<bool>("--allow-model-mismatch") { Description = "Experts: use a prompt recorded for another model." };
        var (tokenizer, device, dtype) = CommonOptions.ModelRuntime(auto: true);
        var threads = CommonOptions.Threads();
        var numerics = NumericsOptions.Create(defaultOn: false);
        var command = new Command("predict", "Generate outputs for a text file or a task's data with a (prompted) T5, or label them with a prompted encoder.")
        {
            model, input, prompt, taskId, task, taskFile, output, maxNew, batchSize, maxSource, noPrefix, allow, tokenizer, device, dtype, threads,
        };
        numerics.AddTo(command);
        command.SetAction(parse =>
        {
            // stdout carries the metrics or predictions, and stderr is kept for the one-line failure message, so the
            // numerics line is written (to stderr) only when the reproducible mode was asked for.
            bool reproducible = numerics.Resolve(parse, configValue: null, verbDefault: false);
            NumericsOptions.Apply(reproducible, parse.GetValue(threads), reproducible ? context.Error : TextWriter.Null);
            var modelConfig = new ModelConfig { Path = parse.GetValue(model), Tokenizer = parse.GetValue(tokenizer), Device = parse.GetValue(device)!, Dtype = parse.GetValue(dtype)! };
            modelConfig.Validate();
            DeviceSelection.Device(modelConfig.Device); // fail before any work when CUDA is missing
            modelConfig = CommonOptions.ResolveDtype(modelConfig, reproducible, context.Error);
            string inputPath = parse.GetValue(input)!;
            if (!File.Exists(inputPath)) throw new FileNotFoundException($"Input file '{inputPath}' does not exist.", inputPath);
            TaskDefinition? definition = null;
            var trained = parse.GetValue(prompt) is { } promptPath ? PromptLoading.TrainedInputOf(promptPath) : null;
            var catalog = TaskCatalog.CreateDefault();
            if (parse.GetValue(taskFile) is { } tf) UserTaskFile.RegisterAll(catalog, tf);
            if (parse.GetValue(task) is { } taskName) definition = catalog.Get(taskName);
            // The task the prompt records, when the user names none and the catalog knows it.
            else if (trained is not null && catalog.Contains(trained.Task)) definition = catalog.Get(trained.Task);
            bool addPrefix = TaskPrefixOption.AddPrefix(parse, noPrefix, trained, context.Error);
            IReadOnlyList<TextToTextRow> rows;
            if (Path.GetExtension(inputPath).Equals(".txt", StringComparison.OrdinalIgnoreCase))
            {
                // A line is the input as it is, unless the prompt records that its training inputs carried the prefix.
                Func<string, string> write = addPrefix && trained is not null ? trained.Format : line => line;
                rows = File.ReadLines(inputPath).Where(l => l.Trim().Length > 0).Select(l => new TextToTextRow(write(l), "", "", new Dictionary<string, object?>())).ToList();
            }
            else if (definition is null)
                throw new ArgumentException($"{inputPath}: a data file needs --task NAME so its rows can be formatted (or give a .txt file with one input per line).");
            else
                rows = EvaluationData.LoadInputs(definition, inputPath, FormatOptions.Default with { AddPrefix = addPrefix });
            if (rows.Count == 0) throw new InvalidDataException($"{inputPath}: no inputs.");

            using var loaded = RunBackbones.Load(modelConfig, new EvaluateConfig(), "--model");
            IEnumerable<string> lines;
            if (loaded is EncoderRunBackbone encoderBackbone)
                lines = EncoderPredictions(encoderBackbone, rows, definition, parse.GetValue(prompt), parse.GetValue(taskId), parse.GetValue(allow), parse.GetValue(maxSource));
            else
            {
            var t5 = (T5RunBackbone)loaded;
            var tok = t5.Tokenizer;
            var backbone = t5.Model;
            using PromptEncoder? encoder = parse.GetValue(prompt) is { } p ? PromptLoading.Load(p, backbone, parse.GetValue(allow)) : null;
            var evaluated = encoder is null ? EvaluationModel.Plain(backbone) : EvaluationModel.WithPrompt(new PromptedT5(backbone, encoder), CommonOptions.TaskId(encoder, parse.GetValue(taskId)));
            var options = new EvaluationOptions { BatchSize = parse.GetValue(batchSize), MaxSourceLength = parse.GetValue(maxSource), FreeTextMaxNewTokens = parse.GetValue(maxNew) };
            var evaluator = new Evaluator(evaluated, tok, options);
            int newTokens = definition is null ? options.FreeTextMaxNewTokens
                : evaluator.MaxNewTokens(definition, T5FeatureConverter.ForTask(definition, tok, options.MaxSourceLength, options.FreeTextMaxNewTokens));
            var predictions = evaluator.Generate(rows.Select(r => r.Source).ToList(), newTokens);

            lines = rows.Select((r, i) => JsonSerializer.Serialize(r.Target.Length == 0
                ? new Dictionary<string, string> { ["source"] = r.Source, ["prediction"] = predictions[i] }
                : new Dictionary<string, string> { ["source"] = r.Source, ["prediction"] = predictions[i], ["target"] = r.Target })).ToList();
            }
            if (parse.GetValue(output) is { } outPath)
            {
                Mpt.Serialization.AtomicFile.WriteAllText(outPath, string.Concat(lines.Select(l => l + Environment.NewLine)));
                context.Output.WriteLine($"{rows.Count} predictions written to {outPath}");
            }
            else foreach (string line in lines) context.Output.WriteLine(line);
            return MptCli.Ok;
        });
        return command;
    }

    /// <summary>
    /// An encoder's predictions: the best label of each row and the similarity score (cosine / τ) of every label, as
    /// <c>{"source", "prediction", "scores": {label: score}[, "target"]}</c>. Needs --task (its labels and descriptions)
    /// and --prompt (a prompt trained for this encoder).
    /// </summary>
    private static List<string> EncoderPredictions(EncoderRunBackbone backbone, IReadOnlyList<TextToTextRow> rows, TaskDefinition? task,
        string? promptPath, int? taskId, bool allowMismatch, int maxSourceLength)
    {
        if (task is null)
            throw new ArgumentException($"the {backbone.Kind} '{backbone.Name}' picks one of a task's labels: name the task with --task (and --task-file for your own tasks).");
        if (promptPath is null)
            throw new ArgumentException($"the {backbone.Kind} '{backbone.Name}' needs a trained prompt: give --prompt (a PEFT adapter folder, run folder or prompt file).");
        using var set = backbone.ForTasks([task]);
        using var prompt = PromptLoading.Load(promptPath, backbone.Fingerprint, allowMismatch);
        int id = CommonOptions.TaskId(prompt, taskId);
        // One task of a multitask prompt as its composed P̂_k, so the encoder's single task (id 0) gets that task's prompt.
        using var single = prompt is MultitaskPrompt m && m.NumTasks > 1 ? m.ToSoftPrompt(id) : null;
        var model = set.PromptBackbone.WithPrompt(single ?? prompt);
        var scores = ((EncoderRunBackbone.TaskSet)set).LabelScores(model, 0, rows, maxSourceLength);
        var labels = task.Labels!;
        return rows.Select((r, i) =>
        {
            int best = ZeroShotScores.ArgMax(scores[i]);
            var line = new Dictionary<string, object> { ["source"] = r.Source, ["prediction"] = labels[best] };
            line["scores"] = labels.Select((l, c) => (l, c)).ToDictionary(x => x.l, x => (object)Math.Round(scores[i][x.c], 4));
            if (r.Target.Length > 0) line["target"] = r.Target;
            return JsonSerializer.Serialize(line);
        }).ToList();
    }
}
