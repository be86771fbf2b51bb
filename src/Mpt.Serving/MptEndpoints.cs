using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Mpt.Serving;

/// <summary>
/// The HTTP API of a <see cref="BatchingPredictor"/> as minimal-API endpoints, for <c>mpt serve</c> or any ASP.NET Core
/// app: <c>services.AddMptPredictor(predictor)</c> then <c>app.MapMptEndpoints()</c>. Every error is an RFC 7807
/// problem (<c>application/problem+json</c>) with a detail naming the field or limit; never a stack trace.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>POST /v1/tasks/{task}/predict</c> <c>{"inputs": ["...", ...]}</c> → <c>{"task", "results": [{"label", "scores": {label: score}}]}</c>,
/// one result per input in order. A task name with slashes (<c>TARGET/METHOD/seed-S</c>) may be given as is or URL-encoded.
/// 404 unknown task, 400 bad body (the field is named), 400 too many or too long inputs (the limit is named), 413 body
/// too large, 429 queue full (with <c>Retry-After</c>), 503 not ready or stopping, 504 not answered within
/// <see cref="ServingLimits.RequestTimeout"/>. A request whose client disconnects or whose deadline passes has its queued rows dropped.</item>
/// <item><c>PUT /v1/adapters/{task}</c> <c>{"path": ...}</c> and <c>DELETE /v1/adapters/{task}</c>: only with
/// <see cref="AdminOptions"/> (else 404), and then only with <c>Authorization: Bearer KEY</c> (401); the path must lie in the
/// adapter folder (403). See <see cref="BatchingPredictor.SetAdapterAsync"/>.</item>
/// <item><c>GET /v1/tasks</c>: every task's name, aliases, backbone, labels, prompt length and parameter count.</item>
/// <item><c>GET /openapi/v1.json</c>: the OpenAPI document of these endpoints.</item>
/// <item><c>GET /metrics</c>: the <see cref="ServingMetrics"/> in Prometheus text.</item>
/// <item><c>GET /healthz</c>: the process is alive. <c>GET /readyz</c>: the model is loaded and warmed up (503 before and while stopping).</item>
/// </list>
/// </remarks>
public static class MptEndpoints
{
    private const string PredictSuffix = "/predict";

    /// <summary>
    /// Registers <paramref name="predictor"/>, the request <paramref name="limits"/>, problem details, and with
    /// <paramref name="admin"/> (a key and a folder) the adapter endpoints.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="admin"/> is incomplete (see <see cref="AdminOptions.Validate"/>).</exception>
    public static IServiceCollection AddMptPredictor(this IServiceCollection services, BatchingPredictor predictor, ServingLimits? limits = null, AdminOptions? admin = null)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        admin ??= new AdminOptions();
        admin.Validate();
        services.AddSingleton(predictor);
        services.AddSingleton(limits ?? new ServingLimits());
        services.AddSingleton(admin);
        if (admin.Enabled) services.AddSingleton(new AdapterDirectory(admin.AdapterDirectory!));
        services.AddProblemDetails();
        services.AddOpenApi();
        // GET /metrics: the predictor's instruments in Prometheus text, every scrape fresh (no response cache).
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ServingMetrics.MeterName)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    /// <summary>Maps the endpoints (see the remarks) on <paramref name="app"/>.</summary>
    public static IEndpointRouteBuilder MapMptEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(); // GET /openapi/v1.json
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", () => TypedResults.Ok(new StatusResponse("alive")))
            .WithName("Health").WithSummary("The process is alive.");
        app.MapGet("/readyz", (BatchingPredictor predictor, ServingLimits limits, HttpContext http) => predictor.IsReady
                ? Results.Ok(new StatusResponse("ready"))
                : Unavailable(http, limits, "the model is not warmed up yet, or the server is stopping."))
            .WithName("Ready").WithSummary("The model is loaded and warmed up.")
            .Produces<StatusResponse>().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/v1/tasks", (BatchingPredictor predictor) => TypedResults.Ok(new TaskListResponse(predictor.Tasks.Select(t => Describe(predictor, t)).ToList())))
            .WithName("ListTasks").WithSummary("Every served task: name, aliases, backbone, labels, prompt length, parameters.");
        app.MapPost("/v1/tasks/{task}/predict", (string task, HttpContext http, BatchingPredictor predictor, ServingLimits limits, ILoggerFactory loggers) =>
                PredictAsync(Uri.UnescapeDataString(task), http, predictor, limits, loggers))
            .WithName("Predict").WithSummary("The label and every label's score for each input, with the task's prompt.")
            .Accepts<PredictRequest>("application/json")
            .Produces<PredictResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        // Run names have slashes (TARGET/METHOD/seed-S): a catch-all takes them unencoded; the route above documents the API.
        app.MapPost("/v1/tasks/{**path}", (string path, HttpContext http, BatchingPredictor predictor, ServingLimits limits, ILoggerFactory loggers) =>
                path.EndsWith(PredictSuffix, StringComparison.Ordinal) && path.Length > PredictSuffix.Length
                    ? PredictAsync(Uri.UnescapeDataString(path[..^PredictSuffix.Length]), http, predictor, limits, loggers)
                    : Task.FromResult(Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                        detail: $"POST /v1/tasks/{{task}}/predict; '/v1/tasks/{path}' is not an endpoint.")))
            .ExcludeFromDescription();
        if (app.ServiceProvider.GetService<AdminOptions>() is { Enabled: true })
        {
            // Names with slashes (TARGET/METHOD/seed-S) as for predict: a catch-all, unescaped.
            app.MapPut("/v1/adapters/{**task}", (string task, HttpContext http, BatchingPredictor predictor, AdminOptions admin, AdapterDirectory folder) =>
                    PutAdapterAsync(Uri.UnescapeDataString(task), http, predictor, admin, folder))
                .WithName("PutAdapter").WithSummary("Serve the adapter at a path inside --adapter-dir as this task (replacing its prompt atomically, or adding it). Needs Authorization: Bearer ADMIN_KEY.")
                .Accepts<AdapterRequest>("application/json")
                .Produces<TaskInfo>().Produces<TaskInfo>(StatusCodes.Status201Created)
                .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
                .ProducesProblem(StatusCodes.Status403Forbidden);
            app.MapDelete("/v1/adapters/{**task}", (string task, HttpContext http, BatchingPredictor predictor, AdminOptions admin) =>
                    DeleteAdapterAsync(Uri.UnescapeDataString(task), http, predictor, admin))
                .WithName("DeleteAdapter").WithSummary("Stop serving this task (and its aliases). Needs Authorization: Bearer ADMIN_KEY.")
                .Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        }
        return app;
    }

    private static async Task<IResult> PutAdapterAsync(string task, HttpContext http, BatchingPredictor predictor, AdminOptions admin, AdapterDirectory folder)
    {
        if (Unauthorized(http, admin) is { } refused) return refused;
        string? requested;
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted).ConfigureAwait(false);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String
                || string.IsNullOrWhiteSpace(requested = path.GetString()))
                return BadRequest("path", "the body must be {\"path\": \"ADAPTER\"}, ADAPTER a PEFT adapter folder or prompt file inside --adapter-dir.");
        }
        catch (JsonException e)
        {
            return BadRequest("body", $"the body is not valid JSON ({e.Message}); send {{\"path\": \"ADAPTER\"}}.");
        }
        string resolved;
        try
        {
            resolved = folder.Resolve(requested);
        }
        catch (UnauthorizedAccessException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Path outside the adapter folder", detail: e.Message,
                extensions: new Dictionary<string, object?> { ["field"] = "path" });
        }
        catch (FileNotFoundException e)
        {
            return BadRequest("path", e.Message);
        }
        try
        {
            var (served, replaced) = await predictor.SetAdapterAsync(task, resolved, http.RequestAborted).ConfigureAwait(false);
            var info = Describe(predictor, served);
            return replaced ? TypedResults.Ok(info) : TypedResults.Created($"/v1/tasks/{served.Name}/predict", info);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or Peft.ModelMismatchException or Pipeline.ConfigException or NotSupportedException)
        {
            // The adapter is refused as at start (other weights, unknown labels, not one prompt): the message says why; the old prompt stays.
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Adapter refused", detail: e.Message,
                extensions: new Dictionary<string, object?> { ["field"] = "path" });
        }
    }

    private static async Task<IResult> DeleteAdapterAsync(string task, HttpContext http, BatchingPredictor predictor, AdminOptions admin)
    {
        if (Unauthorized(http, admin) is { } refused) return refused;
        return await predictor.RemoveTaskAsync(task, http.RequestAborted).ConfigureAwait(false)
            ? Results.NoContent()
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown task",
                detail: $"task '{task}' is not served; GET /v1/tasks lists the served tasks.", extensions: new Dictionary<string, object?> { ["task"] = task });
    }

    /// <summary>Null when the request carries the admin key (<c>Authorization: Bearer KEY</c>), else the 401 problem.</summary>
    private static IResult? Unauthorized(HttpContext http, AdminOptions admin)
    {
        const string Scheme = "Bearer ";
        string header = http.Request.Headers.Authorization.ToString();
        string given = header.StartsWith(Scheme, StringComparison.Ordinal) ? header[Scheme.Length..].Trim() : "";
        // Compared as SHA-256 digests in constant time: neither the key's characters nor its length show in the timing.
        if (CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(admin.AdminKey!))))
            return null;
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "adapter endpoints need the admin key: Authorization: Bearer ADMIN_KEY (as given to --admin-key).");
    }

    private static TaskInfo Describe(BatchingPredictor predictor, ServedTask t) =>
        new(t.Name, t.Aliases, predictor.Registry.Backbone.Name, t.Labels, t.PromptLength, t.Parameters);

    // Kestrel leaves an encoded slash (%2F) encoded in the path, so the task is unescaped; names never contain '%'
    // (PromptRegistry), so this is exact.
    private static async Task<IResult> PredictAsync(string task, HttpContext http, BatchingPredictor predictor, ServingLimits limits, ILoggerFactory loggers)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await AnswerAsync(task, http, predictor, limits, loggers).ConfigureAwait(false);
        int status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
        predictor.Metrics.Request(predictor.Find(task)?.Name ?? UnknownTaskTag, status, System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds);
        return result;
    }

    /// <summary>The <c>task</c> tag of requests for tasks not served (one tag value, whatever names clients send).</summary>
    private const string UnknownTaskTag = "(unknown)";

    private static async Task<IResult> AnswerAsync(string task, HttpContext http, BatchingPredictor predictor, ServingLimits limits, ILoggerFactory loggers)
    {
        if (predictor.Find(task) is null)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown task",
                detail: $"task '{task}' is not served; GET /v1/tasks lists the served tasks.", extensions: new Dictionary<string, object?> { ["task"] = task });
        // The deadline counts from the request's arrival (body reading included); it and a disconnect both cancel the
        // request, whose queued rows the worker then drops.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(limits.RequestTimeout);
        var (inputs, problem) = await ReadInputsAsync(http, limits).ConfigureAwait(false);
        if (problem is not null) return problem;
        try
        {
            var predictions = await predictor.PredictAsync(task, inputs!, deadline.Token).ConfigureAwait(false);
            return TypedResults.Ok(new PredictResponse(task, predictions.Select(PredictResult.Of).ToList()));
        }
        catch (QueueFullException e)
        {
            http.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Queue full", detail: e.Message,
                extensions: new Dictionary<string, object?> { ["limit"] = "queue_capacity", ["queue_capacity"] = e.Capacity });
        }
        catch (PredictorUnavailableException e)
        {
            return Unavailable(http, limits, e.Message);
        }
        catch (UnknownTaskException)
        {
            // Removed by DELETE /v1/adapters between the check above and the queueing.
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown task",
                detail: $"task '{task}' is not served; GET /v1/tasks lists the served tasks.", extensions: new Dictionary<string, object?> { ["task"] = task });
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; its queued rows were dropped. Nobody reads this status (nginx's "client closed request").
            return Results.StatusCode(499);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return Results.Problem(statusCode: StatusCodes.Status504GatewayTimeout, title: "Deadline exceeded",
                detail: $"the request was not answered within {limits.RequestTimeout.TotalMilliseconds:0} ms (limit request_timeout_ms); its queued rows were dropped.",
                extensions: new Dictionary<string, object?> { ["limit"] = "request_timeout_ms", ["request_timeout_ms"] = limits.RequestTimeout.TotalMilliseconds });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            loggers.CreateLogger(typeof(MptEndpoints)).LogError(e, "prediction of task {Task} failed", task);
            return Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "Prediction failed", detail: e.Message);
        }
    }

    /// <summary>The inputs of a predict body, or the 400 / 413 problem that names what is wrong.</summary>
    private static async Task<(IReadOnlyList<string>? Inputs, IResult? Problem)> ReadInputsAsync(HttpContext http, ServingLimits limits)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
                detail: $"the body exceeds {limits.MaxRequestBodyBytes} bytes (limit max_request_body_bytes).",
                extensions: new Dictionary<string, object?> { ["limit"] = "max_request_body_bytes", ["max_request_body_bytes"] = limits.MaxRequestBodyBytes }));
        }
        catch (JsonException e)
        {
            return (null, BadRequest("body", $"the body is not valid JSON ({e.Message}); send {{\"inputs\": [\"...\"]}}."));
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return (null, BadRequest("body", "the body must be a JSON object {\"inputs\": [\"...\"]}."));
            if (!root.TryGetProperty("inputs", out var array))
                return (null, BadRequest("inputs", "'inputs' is required: a list of strings."));
            if (array.ValueKind != JsonValueKind.Array)
                return (null, BadRequest("inputs", "'inputs' must be a list of strings."));
            int count = array.GetArrayLength();
            if (count == 0) return (null, BadRequest("inputs", "'inputs' is empty; give at least one string."));
            if (count > limits.MaxInputsPerRequest)
                return (null, TooLarge("inputs", "max_inputs_per_request", limits.MaxInputsPerRequest,
                    $"'inputs' has {count} entries; at most {limits.MaxInputsPerRequest} per request (limit max_inputs_per_request)."));
            var inputs = new List<string>(count);
            foreach (var item in array.EnumerateArray())
            {
                string field = $"inputs[{inputs.Count}]";
                if (item.ValueKind != JsonValueKind.String) return (null, BadRequest(field, $"'{field}' must be a string, not {item.ValueKind.ToString().ToLowerInvariant()}."));
                string text = item.GetString()!;
                if (text.Length > limits.MaxInputCharacters)
                    return (null, TooLarge(field, "max_input_characters", limits.MaxInputCharacters,
                        $"'{field}' has {text.Length} characters; at most {limits.MaxInputCharacters} (limit max_input_characters)."));
                inputs.Add(text);
            }
            return (inputs, null);
        }
    }

    private static IResult BadRequest(string field, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request body", detail: detail,
            extensions: new Dictionary<string, object?> { ["field"] = field });

    private static IResult TooLarge(string field, string limit, int value, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Request exceeds a limit", detail: detail,
            extensions: new Dictionary<string, object?> { ["field"] = field, ["limit"] = limit, [limit] = value });

    private static IResult Unavailable(HttpContext http, ServingLimits limits, string detail)
    {
        http.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: detail);
    }
}
