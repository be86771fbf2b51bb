using System.CommandLine;
using System.Globalization;
using Mpt.Data;
using Mpt.Backbones;
using Mpt.Evaluation;
using Mpt.Model;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Quickstart;
using Mpt.Tasks;
using Mpt.Tokenization;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>mpt evaluate --model DIR --task NAME --data PATH [...]</c>: evaluates a T5 (optionally with a trained prompt) on
/// a task's data the way ATTEMPT does (greedy generation, string-matched labels) or by rank classification, prints a
/// table and writes the results as JSON. No ML logic here: see <see cref="Evaluator"/> and <see cref="EvaluationData"/>.
/// </summary>
public static class EvaluateCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Hugging Face T5 folder (config.json + weights; spiece.model unless --tokenizer), a Hugging Face BERT folder, or minilm (the embedded encoder); an encoder needs --prompt.", Required = true };
        var task = new Option<string>("--task") { Description = "Task name from the catalogue (e.g. rte, superglue-boolq), from --task-file, or a task of the real-data benchmark whose folder --data is (mpt quickstart's data, e.g. ~/.cache/mpt/realdata/word-polarity).", Required = true };
        var data = new Option<string>("--data") { Description = "Data file (.parquet, .jsonl, .csv, .tsv) or a folder of split files as the HF hub exports them.", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "Prompt weights: a .safetensors file (or PEFT adapter folder) with prompt_embeddings, or MPT's three tensors." };
        var taskId = new Option<int?>("--task-id") { Description = "Which task prompt of an MPT prompt to use (required when it holds several)." };
        var split = new Option<string>("--split")
        {
            Description = "Split to derive with ATTEMPT's rule (seed 42): validation or test; 'all' evaluates every row of the file.",
            DefaultValueFactory = _ => "all",
        };
        split.AcceptOnlyFromAmong("all", "validation", "test", "train");
        var max = new Option<int?>("--max") { Description = "Evaluate at most N examples (ATTEMPT n_obs: a seeded subset with --split, else the first N)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Examples per batch.", DefaultValueFactory = _ => EvaluationOptions.Default.BatchSize };
        var maxSource = new Option<int>("--max-source-length") { Description = "Source tokens including eos (longer inputs are truncated).", DefaultValueFactory = _ => EvaluationOptions.Default.MaxSourceLength };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens generated for free-text (QA) tasks.", DefaultValueFactory = _ => EvaluationOptions.Default.FreeTextMaxNewTokens };
        var rank = new Option<bool>("--rank-classification") { Description = "Score every label with the decoder and take the best instead of generating (classification tasks)." };
        var noPrefix = TaskPrefixOption.Create();
        var output = new Option<string?>("--out") { Description = "Write the results (per task and average) to this JSON file." };
        var predictions = new Option<string?>("--predictions") { Description = "Write every prediction and target to this JSON Lines file." };
        var taskFile = new Option<string?>("--task-file") { Description = "JSON file defining extra tasks (see UserTaskFile)." };
        var (tokenizerDir, device, dtype) = CommonOptions.ModelRuntime(auto: true);
        var allow = new Option<bool>("--allow-model-mismatch") { Description = "Experts: use a PEFT prompt recorded for another model." };

        var threads = CommonOptions.Threads();
        var numerics = NumericsOptions.Create(defaultOn: false);
        var command = new Command("evaluate", "Evaluate a T5, optionally with a trained prompt, on a task's data; print and save the metrics.")
        {
            model, task, data, prompt, taskId, split, max, batchSize, maxSource, maxNew, rank, noPrefix, output, predictions, taskFile, tokenizerDir, device, dtype, allow, threads,
        };
        numerics.AddTo(command);
        command.SetAction(parse =>
        {
            // stdout carries the metrics or predictions, and stderr is kept for the one-line failure message, so the
            // numerics line is written (to stderr) only when the reproducible mode was asked for.
            bool reproducible = numerics.Resolve(parse, configValue: null, verbDefault: false);
            NumericsOptions.Apply(reproducible, parse.GetValue(threads), reproducible ? context.Error : TextWriter.Null);
            var catalog = TaskCatalog.CreateDefault();
            if (parse.GetValue(taskFile) is { } tasksPath) UserTaskFile.RegisterAll(catalog, tasksPath);
            // A task folder of the real-data benchmark (mpt quickstart's data) brings its labels and descriptions along.
            BenchmarkTasks.RegisterFromTaskFolder(catalog, parse.GetValue(task)!, parse.GetValue(data)!);
            TaskDefinition definition = catalog.Get(parse.GetValue(task)!);
            var options = new EvaluationOptions
            {
                BatchSize = parse.GetValue(batchSize),
                MaxSourceLength = parse.GetValue(maxSource),
                FreeTextMaxNewTokens = parse.GetValue(maxNew),
                RankClassification = parse.GetValue(rank),
            };
            options.Validate();

            string splitName = parse.GetValue(split)!;
            DataSplit? dataSplit = splitName switch
            {
                "validation" => DataSplit.Validation,
                "test" => DataSplit.Test,
                "train" => DataSplit.Train,
                _ => null,
            };
            var trained = parse.GetValue(prompt) is { } recordedPrompt ? PromptLoading.TrainedInputOf(recordedPrompt) : null;
            var formatOptions = FormatOptions.Default with { AddPrefix = TaskPrefixOption.AddPrefix(parse, noPrefix, trained, context.Error) };
            string dataPath = parse.GetValue(data)!;
            var dataset = EvaluationData.Load(definition, dataPath, dataSplit, parse.GetValue(max), formatOptions);
            // What every evaluation report records about its inputs; each backbone adds its own evaluation settings.
            Dictionary<string, object?> Settings(string model, string? promptFile, object? taskIdUsed) => new()
            {
                ["model"] = model,
                ["prompt"] = promptFile,
                ["task_id"] = taskIdUsed,
                ["data_files"] = dataset.Files.Select(Path.GetFullPath).ToList(),
                ["split"] = splitName,
                ["source_split"] = dataset.SourceSplit,
                ["examples"] = dataset.Examples,
                ["available_examples"] = dataset.AvailableExamples,
                ["add_prefix"] = formatOptions.AddPrefix,
            };
            if (dataset.Rows.Count == 0) throw new InvalidDataException($"{dataPath}: no examples to evaluate.");
            if (definition.Labels is { Count: > 0 } labels)
            {
                int unlabelled = dataset.Rows.Count(r => !labels.Contains(r.Target));
                if (unlabelled > 0)
                    context.Error.WriteLine($"warning: {unlabelled} of {dataset.Rows.Count} targets are not label strings of '{definition.Name}' " +
                        "(unlabelled data such as a GLUE test split has label -1); no prediction can match them.");
            }

            string modelDir = parse.GetValue(model)!;
            if (RunBackbones.IsEncoder(modelDir, "--model"))
            {
                // An encoder (minilm or a BERT folder): the similarity verbaliser over the task's label descriptions, the one scorer of the pipeline.
                using var encoderBackbone = (EncoderRunBackbone)RunBackbones.Load(new Pipeline.ModelConfig { Path = modelDir }, new Pipeline.EvaluateConfig(), "--model");
                string path = parse.GetValue(prompt)
                    ?? throw new ArgumentException($"the {encoderBackbone.Kind} '{encoderBackbone.Name}' is evaluated with a trained prompt: give --prompt.");
                using var set = encoderBackbone.ForTasks([definition]);
                using var loadedPrompt = PromptLoading.Load(path, encoderBackbone.Fingerprint, parse.GetValue(allow));
                int id = ChooseTaskId(loadedPrompt, parse.GetValue(taskId), path);
                using var single = loadedPrompt is MultitaskPrompt m && m.NumTasks > 1 ? m.ToSoftPrompt(id) : null;
                var result = set.Evaluate(set.PromptBackbone.WithPrompt(single ?? loadedPrompt), 0, dataset.Rows, options.MaxSourceLength);
                var encoderSettings = Settings(encoderBackbone.Name, Path.GetFullPath(path), id);
                encoderSettings["max_source_length"] = options.MaxSourceLength;
                Report(context, new EvaluationReport([result], encoderSettings), dataset, parse.GetValue(output), parse.GetValue(predictions));
                return MptCli.Ok;
            }
            T5Tokenizer tokenizer = Pipeline.PipelineRunner.LoadTokenizer(new Pipeline.ModelConfig { Path = modelDir, Tokenizer = parse.GetValue(tokenizerDir) });
            var runtime = CommonOptions.ResolveDtype(new Pipeline.ModelConfig { Path = modelDir, Device = parse.GetValue(device)!, Dtype = parse.GetValue(dtype)! }, reproducible, context.Error);
            using var backbone = T5ForConditionalGeneration.FromPretrained(modelDir,
                Pipeline.DeviceSelection.DType(runtime.Dtype), Pipeline.DeviceSelection.Device(runtime.Device));
            string? promptPath = parse.GetValue(prompt);
            using PromptEncoder? encoder = promptPath is null ? null : PromptLoading.Load(promptPath, backbone, parse.GetValue(allow));
            EvaluationModel evaluated = encoder is null
                ? EvaluationModel.Plain(backbone)
                : EvaluationModel.WithPrompt(new PromptedT5(backbone, encoder), ChooseTaskId(encoder, parse.GetValue(taskId), promptPath!));

            var settings = Settings(Path.GetFullPath(modelDir), promptPath is null ? null : Path.GetFullPath(promptPath),
                encoder is null ? null : evaluated.TaskId);
            settings["batch_size"] = options.BatchSize;
            settings["max_source_length"] = options.MaxSourceLength;
            settings["dtype"] = runtime.Dtype;
            settings["label_margin"] = options.LabelMargin;
            settings["free_text_max_new_tokens"] = options.FreeTextMaxNewTokens;
            settings["rank_classification"] = options.RankClassification;
            var evaluator = new Evaluator(evaluated, tokenizer, options);
            EvaluationReport report = evaluator.EvaluateAll([(definition, dataset.Rows)], settings);

            Report(context, report, dataset, parse.GetValue(output), parse.GetValue(predictions));
            return MptCli.Ok;
        });
        return command;
    }

    private static void Report(CliContext context, EvaluationReport report, EvaluationDataset dataset, string? outPath, string? predictionsPath)
    {
        WriteTable(context.Output, report, dataset);
        if (outPath is not null)
        {
            report.WriteJson(outPath);
            context.Output.WriteLine($"results written to {outPath}");
        }
        if (predictionsPath is not null)
        {
            report.WritePredictions(predictionsPath);
            context.Output.WriteLine($"predictions written to {predictionsPath}");
        }
    }

    private static int ChooseTaskId(PromptEncoder encoder, int? taskId, string promptPath)
    {
        if (taskId is int id) return id;
        if (encoder.NumTasks == 1) return 0;
        throw new ArgumentException(
            $"{promptPath} holds {encoder.NumTasks} task prompts: choose one with --task-id (0..{encoder.NumTasks - 1}).");
    }

    private static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    private static void WriteTable(TextWriter o, EvaluationReport report, EvaluationDataset dataset)
    {
        string from = dataset.SourceSplit is null
            ? $"{dataset.Examples} of {dataset.AvailableExamples} examples"
            : $"{dataset.Examples} examples of dataset split '{dataset.SourceSplit}' ({dataset.AvailableExamples} rows)";
        o.WriteLine($"data      {string.Join(", ", dataset.Files)}: {from}");
        foreach (TaskEvaluationResult t in report.Tasks)
        {
            o.WriteLine($"task      {t.Task}: {t.Examples} rows, decoding by {t.Decoding}");
            o.WriteLine($"  {"metric",-24}{"value",10}");
            foreach (string key in EvaluationReport.ScoreKeys(t.Metrics)) o.WriteLine($"  {key,-24}{F(t.Metrics[key]),10}");
            foreach (string key in t.Metrics.Keys.Except(EvaluationReport.ScoreKeys(t.Metrics)).Order(StringComparer.Ordinal))
                o.WriteLine($"  {key,-24}{F(t.Metrics[key]),10}");
            o.WriteLine($"  {"average_metrics",-24}{F(t.Average),10}");
        }
        if (report.Tasks.Count > 1) o.WriteLine($"average over {report.Tasks.Count} tasks: {F(report.Average)}");
    }
}
