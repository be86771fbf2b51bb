using Mpt.Serialization;
using System.Text.Json;
using Mpt.Metrics;
using Mpt.Tasks.Formatters;

namespace Mpt.Tasks;

/// <summary>
/// Loads user-defined classification / generation tasks from JSON. A file holds one task object or
/// <c>{"tasks": [...]}</c>; each task:
/// <code>
/// {
///   "name": "my-nli",                      // catalogue name (required)
///   "prefix": "my-nli",                    // prefix word (default: name)
///   "template": [["premise:", "premise"], ["hypothesis:", "hypothesis"]],   // keyword, field (required)
///   "label_field": "label",                // default "label"
///   "label_map": {"entailment": "0", "neutral": "1"},   // optional: label text → target
///   "labels": ["0", "1"],                  // valid targets (default: label_map values; omit for free text)
///   "label_descriptions": {"0": "the hypothesis follows", "1": "it does not"},  // encoder backbones: what each
///                                          // label means, compared with the input (default: the label text itself)
///   "metrics": ["accuracy", "f1_binary"],  // accuracy, f1_binary, f1_macro, matthews_corrcoef, pearson, spearman, squad
///   "split_rule": "small",                 // small | large | own (default own)
///   "splits": {"train": "train", "validation": "validation", "test": "test"},
///   "fields": {"premise": "string", "hypothesis": "string", "label": "string"}  // schema (default: template + label as string)
/// }
/// </code>
/// Every error names the file, the task and the offending field.
/// </summary>
public static class UserTaskFile
{
    private static readonly Dictionary<string, MetricKind> MetricByName = new(StringComparer.Ordinal)
    {
        ["accuracy"] = MetricKind.Accuracy,
        ["f1_binary"] = MetricKind.F1Binary,
        ["f1_macro"] = MetricKind.F1Macro,
        ["matthews_corrcoef"] = MetricKind.MatthewsCorrelation,
        ["pearson"] = MetricKind.Pearson,
        ["spearman"] = MetricKind.Spearman,
        ["squad"] = MetricKind.Squad,
    };

    private static readonly Dictionary<string, FieldType> TypeByName = new(StringComparer.Ordinal)
    {
        ["string"] = FieldType.String,
        ["integer"] = FieldType.Integer,
        ["number"] = FieldType.Number,
        ["string_list"] = FieldType.StringList,
        ["object"] = FieldType.Object,
        ["any"] = FieldType.Any,
    };

    private static readonly HashSet<string> KnownKeys =
        ["name", "prefix", "template", "label_field", "label_map", "labels", "label_descriptions", "metrics", "split_rule", "splits", "fields"];

    /// <summary>The tasks defined in <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file is not valid JSON or a task is invalid (message names file and field).</exception>
    public static IReadOnlyList<TaskDefinition> Load(string path) => ErrorText.OneLineRejections(() => LoadCore(path));

    private static IReadOnlyList<TaskDefinition> LoadCore(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonDocument doc;
        try
        {
            doc = UntrustedJson.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON: {UntrustedJson.Describe(e)}", e);
        }
        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("tasks", out JsonElement tasks))
            {
                if (tasks.ValueKind != JsonValueKind.Array) throw new FormatException($"{path}: 'tasks' must be an array.");
                return tasks.EnumerateArray().Select((t, i) => Parse(t, $"{path}: tasks[{i}]")).ToList();
            }
            return [Parse(root, path)];
        }
    }

    /// <summary>Loads <paramref name="path"/> and registers its tasks in <paramref name="catalog"/>.</summary>
    public static void RegisterAll(TaskCatalog catalog, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        foreach (TaskDefinition t in Load(path)) catalog.Register(t);
    }

    private static TaskDefinition Parse(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new FormatException($"{where}: a task must be a JSON object.");
        string name = RequiredString(e, "name", where);
        where = $"{where} (task '{name}')";
        foreach (JsonProperty p in e.EnumerateObject())
            if (!KnownKeys.Contains(p.Name))
                throw new FormatException($"{where}: unknown field '{p.Name}' (known: {string.Join(", ", KnownKeys)}).");

        string prefix = OptionalString(e, "prefix", where) ?? name;
        if (!e.TryGetProperty("template", out JsonElement templateJson) || templateJson.ValueKind != JsonValueKind.Array
            || templateJson.GetArrayLength() == 0)
            throw new FormatException($"{where}: field 'template' must be a non-empty array of [keyword, field] pairs.");
        var template = new List<SourceField>();
        int k = 0;
        foreach (JsonElement part in templateJson.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Array || part.GetArrayLength() != 2
                || part[0].ValueKind != JsonValueKind.String || part[1].ValueKind != JsonValueKind.String
                || string.IsNullOrEmpty(part[1].GetString()))
                throw new FormatException($"{where}: field 'template[{k}]' must be [\"keyword:\", \"field\"].");
            template.Add(new SourceField(part[0].GetString()!, part[1].GetString()!));
            k++;
        }

        string labelField = OptionalString(e, "label_field", where) ?? "label";
        Dictionary<string, string>? labelMap = null;
        if (e.TryGetProperty("label_map", out JsonElement mapJson))
        {
            if (mapJson.ValueKind != JsonValueKind.Object)
                throw new FormatException($"{where}: field 'label_map' must be an object of label text → target string.");
            labelMap = [];
            foreach (JsonProperty p in mapJson.EnumerateObject())
                labelMap[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!
                    : throw new FormatException($"{where}: field 'label_map.{p.Name}' must be a string.");
        }
        IReadOnlyList<string>? labels = e.TryGetProperty("labels", out JsonElement labelsJson)
            ? StringArray(labelsJson, "labels", where)
            : labelMap?.Values.Distinct().ToList();
        if (labels is not null && labelMap is not null && labelMap.Values.FirstOrDefault(v => !labels.Contains(v)) is { } stray)
            throw new FormatException($"{where}: field 'label_map' maps to '{stray}', which is not in 'labels'.");

        Dictionary<string, string>? descriptions = null;
        if (e.TryGetProperty("label_descriptions", out JsonElement descriptionsJson))
        {
            if (descriptionsJson.ValueKind != JsonValueKind.Object)
                throw new FormatException($"{where}: field 'label_descriptions' must be an object of label → description.");
            if (labels is null)
                throw new FormatException($"{where}: field 'label_descriptions' needs 'labels' (or 'label_map'): a free-text task has no labels to describe.");
            descriptions = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty p in descriptionsJson.EnumerateObject())
            {
                if (!labels.Contains(p.Name))
                    throw new FormatException($"{where}: field 'label_descriptions.{p.Name}' describes a label that is not in 'labels' ({string.Join(", ", labels)}).");
                descriptions[p.Name] = p.Value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(p.Value.GetString())
                    ? p.Value.GetString()!
                    : throw new FormatException($"{where}: field 'label_descriptions.{p.Name}' must be a non-empty string.");
            }
        }

        if (!e.TryGetProperty("metrics", out JsonElement metricsJson))
            throw new FormatException($"{where}: field 'metrics' is required (one or more of: {string.Join(", ", MetricByName.Keys)}).");
        var metrics = new List<MetricKind>();
        foreach (string m in StringArray(metricsJson, "metrics", where))
        {
            if (!MetricByName.TryGetValue(m, out MetricKind kind))
                throw new FormatException($"{where}: field 'metrics' names unknown metric '{m}' (known: {string.Join(", ", MetricByName.Keys)}).");
            if (kind is MetricKind.F1Macro && labels is null)
                throw new FormatException($"{where}: field 'metrics': f1_macro needs 'labels'.");
            metrics.Add(kind);
        }
        if (metrics.Count == 0) throw new FormatException($"{where}: field 'metrics' must name at least one metric.");

        string ruleText = OptionalString(e, "split_rule", where) ?? "own";
        if (!Enum.TryParse(ruleText, ignoreCase: true, out SplitRule rule) || !Enum.IsDefined(rule) || int.TryParse(ruleText, out _))
            throw new FormatException($"{where}: field 'split_rule' is '{ruleText}'; use small, large or own.");
        var splits = new DataSplitMap("train", "validation", "test");
        if (e.TryGetProperty("splits", out JsonElement splitsJson))
        {
            if (splitsJson.ValueKind != JsonValueKind.Object) throw new FormatException($"{where}: field 'splits' must be an object.");
            foreach (JsonProperty p in splitsJson.EnumerateObject())
                if (p.Name is not ("train" or "validation" or "test"))
                    throw new FormatException($"{where}: field 'splits.{p.Name}' is not train, validation or test.");
            splits = new DataSplitMap(OptionalString(splitsJson, "train", where + " splits") ?? "train",
                OptionalString(splitsJson, "validation", where + " splits"),
                OptionalString(splitsJson, "test", where + " splits") ?? "test");
        }

        var schema = new List<FieldSpec>();
        if (e.TryGetProperty("fields", out JsonElement fieldsJson))
        {
            if (fieldsJson.ValueKind != JsonValueKind.Object) throw new FormatException($"{where}: field 'fields' must be an object of field → type.");
            foreach (JsonProperty p in fieldsJson.EnumerateObject())
            {
                string typeName = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : "";
                if (!TypeByName.TryGetValue(typeName, out FieldType type))
                    throw new FormatException($"{where}: field 'fields.{p.Name}' has type '{p.Value}'; use {string.Join(", ", TypeByName.Keys)}.");
                schema.Add(new FieldSpec(p.Name, type));
            }
            foreach (string needed in template.Select(t => t.Field).Append(labelField))
                if (schema.All(f => f.Name != needed))
                    throw new FormatException($"{where}: field 'fields' does not declare '{needed}', which the template or label uses.");
        }
        else
        {
            schema.AddRange(template.Select(t => t.Field).Append(labelField).Distinct().Select(f => new FieldSpec(f, FieldType.Any)));
        }

        return new TaskDefinition
        {
            Name = name,
            Prefix = prefix,
            Template = template,
            Labels = labels,
            LabelDescriptions = descriptions,
            Formatter = new TemplateFormatter(labelField, labelMap),
            Metrics = metrics,
            SplitRule = rule,
            DataSplits = splits,
            Schema = schema,
        };
    }

    private static string RequiredString(JsonElement e, string field, string where) =>
        OptionalString(e, field, where) is { Length: > 0 } s ? s : throw new FormatException($"{where}: field '{field}' is required (a non-empty string).");

    private static string? OptionalString(JsonElement e, string field, string where)
    {
        if (!e.TryGetProperty(field, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new FormatException($"{where}: field '{field}' must be a string, got {v.ValueKind}.");
    }

    private static List<string> StringArray(JsonElement v, string field, string where)
    {
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            throw new FormatException($"{where}: field '{field}' must be an array of strings.");
        return v.EnumerateArray().Select(x => x.GetString()!).ToList();
    }
}
