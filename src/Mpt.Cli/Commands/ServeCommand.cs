using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mpt.Backbones;
using Mpt.Pipeline;
using Mpt.Serving;
using Mpt.Tasks;

namespace Mpt.Cli.Commands;

/// <summary>
/// <c>mpt serve --model minilm|DIR --prompts PATH... [--host 127.0.0.1] [--port N] [--batching mixed|single-task]</c>: one frozen model (encoder or T5) answering every
/// registered task over HTTP, rows of different tasks batched into one forward (docs/serving.md). Runs until Ctrl+C or
/// SIGTERM, which stop taking connections, finish the requests in flight and exit 0.
/// </summary>
public static class ServeCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "The backbone: minilm, a BERT folder or a T5 folder.", Required = true };
        var prompts = new Option<string[]>("--prompts")
        {
            Description = "What to serve: run folders (every target prompt, as TARGET/METHOD/seed-S, TARGET/METHOD and TARGET), PEFT adapter folders or prompt files, each optionally as NAME=PATH.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var taskFile = new Option<string[]>("--task-file") { Description = "JSON files with the definitions (labels, descriptions) of your own tasks." };
        var host = new Option<string>("--host") { Description = "The IP address to bind (loopback by default; 0.0.0.0 exposes the server to the network).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "The port (0 = any free port, printed at start).", DefaultValueFactory = _ => 8080 };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most rows of any tasks in one forward (1 = no batching).", DefaultValueFactory = _ => 32 };
        var batchingMode = BatchingModeOption();
        var maxWait = new Option<int>("--max-wait-ms") { Description = "How long a batch waits for more rows after its first, in ms.", DefaultValueFactory = _ => 5 };
        var overhead = new Option<int>("--forward-overhead-tokens")
        {
            Description = "The padding plan's cost of one more forward, in token positions: a batch is split by input length only where that saves more padding (0 = wherever it saves any).",
            DefaultValueFactory = _ => new BatchingOptions().ForwardOverheadTokens,
        };
        var refill = new Option<int>("--refill-wait-ms")
        {
            Description = "How long a batch may wait, right after a batch, for the rows of the clients that batch answered, in ms (keeps closed-loop clients in one batch; 0 = max wait alone).",
            DefaultValueFactory = _ => BatchingOptions.DefaultRefillWaitMs,
        };
        var trim = new Option<int>("--trim-native-heap-seconds")
        {
            Description = "Hand the C heap's free pages back to the kernel after a batch, at most every this many seconds, so resident memory does not creep with batch shapes (0 = never; glibc only).",
            DefaultValueFactory = _ => BatchingOptions.ServerTrimNativeHeapSeconds,
        };
        var queue = new Option<int>("--queue-capacity") { Description = "Most rows waiting; beyond, requests get 429.", DefaultValueFactory = _ => 1024 };
        var maxInputs = new Option<int>("--max-inputs") { Description = "Most inputs per request.", DefaultValueFactory = _ => 64 };
        var maxChars = new Option<int>("--max-input-chars") { Description = "Most characters per input.", DefaultValueFactory = _ => 4096 };
        var maxSource = new Option<int>("--max-source-length") { Description = "Input tokens (cut beyond), as mpt predict.", DefaultValueFactory = _ => 256 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "T5 tasks without labels: most tokens generated per input, as mpt predict.", DefaultValueFactory = _ => 32 };
        var timeout = new Option<int>("--request-timeout-ms") { Description = "Deadline of a predict request from its arrival; beyond, 504 and its queued rows are dropped.", DefaultValueFactory = _ => 30_000 };
        var adminKey = new Option<string?>("--admin-key") { Description = "Turns on PUT/DELETE /v1/adapters/{task} for requests with Authorization: Bearer KEY (at least 16 characters; needs --adapter-dir)." };
        var adapterDir = new Option<string?>("--adapter-dir") { Description = "The folder run-time adapters may be loaded from (needs --admin-key)." };
        var threads = CommonOptions.Threads();
        var command = new Command("serve", "Serve prompts over HTTP: one frozen model, many tasks, mixed-task batches (docs/serving.md).")
        {
            model, prompts, taskFile, host, port, maxBatch, batchingMode, maxWait, overhead, refill, trim, queue, maxInputs, maxChars, maxSource, maxNew, timeout, adminKey, adapterDir, threads,
        };
        command.SetAction(parse =>
        {
            if (!IPAddress.TryParse(parse.GetValue(host), out var address))
                throw new ArgumentException($"--host '{parse.GetValue(host)}' is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface).");
            int portValue = parse.GetValue(port);
            if (portValue is < 0 or > 65535) throw new ArgumentException($"--port {portValue} is not a port (0..65535).");
            var batching = new BatchingOptions
            {
                MaxBatch = parse.GetValue(maxBatch),
                Mode = ParseBatchingMode(parse.GetValue(batchingMode)!),
                MaxWait = TimeSpan.FromMilliseconds(parse.GetValue(maxWait)),
                ForwardOverheadTokens = parse.GetValue(overhead),
                RefillWait = TimeSpan.FromMilliseconds(parse.GetValue(refill)),
                TrimNativeHeapEvery = TimeSpan.FromSeconds(parse.GetValue(trim)),
                QueueCapacity = parse.GetValue(queue),
                MaxSourceLength = parse.GetValue(maxSource),
                MaxNewTokens = parse.GetValue(maxNew),
            };
            try { batching.Validate(); }
            catch (ArgumentOutOfRangeException e) { throw new ArgumentException($"--{OptionName(e.ParamName)}: {e.Message.Split(" (Parameter")[0]}", e); }
            var limits = new ServingLimits { MaxInputsPerRequest = Positive(parse.GetValue(maxInputs), "--max-inputs"), MaxInputCharacters = Positive(parse.GetValue(maxChars), "--max-input-chars"),
                RequestTimeout = TimeSpan.FromMilliseconds(Positive(parse.GetValue(timeout), "--request-timeout-ms")) };
            var admin = new AdminOptions { AdminKey = parse.GetValue(adminKey), AdapterDirectory = parse.GetValue(adapterDir) };
            admin.Validate();
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            bool verbose = parse.GetValue(MptCli.Verbose);
            var serve = new ServeOptions
            {
                Host = address,
                Port = portValue,
                Limits = limits,
                Admin = admin,
                // Warnings and errors of the host; with --verbose one line per batch (debug) as well.
                Logging = logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
                    .AddFilter("Mpt.Serving", verbose ? LogLevel.Debug : LogLevel.Information),
            };
            return Serve(context, parse.GetValue(model)!, parse.GetValue(prompts)!, parse.GetValue(taskFile) ?? [], batching, serve).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> Serve(CliContext context, string model, IReadOnlyList<string> sources, IReadOnlyList<string> taskFiles,
        BatchingOptions batching, ServeOptions serve)
    {
        var catalog = TaskCatalog.CreateDefault();
        foreach (string file in taskFiles) UserTaskFile.RegisterAll(catalog, file);
        // A run folder's own tasks (its task file, the benchmark tasks of mpt quickstart) need no --task-file.
        foreach (string source in sources.Where(RunFolderPrompts.IsRunFolder)) RunTaskDefinitions.Register(catalog, source);
        using var backbone = RunBackbones.Load(new ModelConfig { Path = model }, new EvaluateConfig(), "--model");
        using var registry = new PromptRegistry(backbone, catalog);
        foreach (string source in sources) registry.Add(source);
        using var loggers = LoggerFactory.Create(b => serve.Logging?.Invoke(b));
        await using var predictor = new BatchingPredictor(registry, batching, loggers.CreateLogger<BatchingPredictor>());
        await using var app = MptServer.Create(predictor, serve);
        await app.StartAsync().ConfigureAwait(false);
        var url = MptServer.Address(app);
        context.Output.WriteLine($"mpt serve: {registry.Tasks.Count} task(s) on {backbone.Name}, listening on {url} (POST {url}v1/tasks/TASK/predict; Ctrl+C stops)");
        foreach (var task in registry.Tasks)
            context.Output.WriteLine($"  {task.Name}{(task.Aliases.Count > 0 ? $" (also {string.Join(", ", task.Aliases)})" : "")}: {(task.Labels.Count > 0 ? string.Join(", ", task.Labels) : "(no labels: generates text)")}");
        await predictor.WarmUpAsync().ConfigureAwait(false);
        context.Output.WriteLine("ready");
        context.Output.Flush();
        // The host's console lifetime turns SIGTERM / Ctrl+C into a graceful stop: no new connections, requests in flight finish.
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        await predictor.StopAsync().ConfigureAwait(false);
        context.Output.WriteLine($"mpt serve: stopped after {predictor.Statistics.Rows} row(s) in {predictor.Statistics.Batches} batch(es).");
        return MptCli.Ok;
    }

    /// <summary><c>--batching mixed|single-task</c>.</summary>
    internal static Option<string> BatchingModeOption()
    {
        var option = new Option<string>("--batching")
        {
            Description = "mixed: rows of any tasks in one batch, each with its own prompt; single-task: one task's rows per batch (for comparison).",
            DefaultValueFactory = _ => "mixed",
        };
        option.AcceptOnlyFromAmong("mixed", "single-task");
        return option;
    }

    internal static BatchingMode ParseBatchingMode(string value) => value == "single-task" ? BatchingMode.SingleTask : BatchingMode.Mixed;

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option} must be at least 1, not {value}.");

    private static string OptionName(string? parameter) => parameter switch
    {
        nameof(BatchingOptions.MaxBatch) => "max-batch",
        nameof(BatchingOptions.MaxWait) => "max-wait-ms",
        nameof(BatchingOptions.QueueCapacity) => "queue-capacity",
        nameof(BatchingOptions.MaxNewTokens) => "max-new-tokens",
        nameof(BatchingOptions.ForwardOverheadTokens) => "forward-overhead-tokens",
        nameof(BatchingOptions.RefillWait) => "refill-wait-ms",
        nameof(BatchingOptions.TrimNativeHeapEvery) => "trim-native-heap-seconds",
        _ => "max-source-length",
    };
}
