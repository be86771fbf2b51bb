using Mpt.Serialization;
using System.Text.Json;

namespace Mpt.Model;

/// <summary>
/// What a <c>model.path</c> names: the embedded MiniLM, a T5 folder or a BERT folder, told apart by the keyword or by
/// the <c>model_type</c> of the folder's <c>config.json</c> (as transformers' <c>AutoConfig</c> does). Only the kind is
/// decided here; the loaders check the rest strictly.
/// </summary>
/// <param name="Kind">The backbone family.</param>
/// <param name="Path">The folder (the full path), or <see cref="MiniLMKeyword"/>.</param>
public sealed record BackboneFolder(BackboneKind Kind, string Path)
{
    /// <summary>The keyword for the embedded all-MiniLM-L6-v2 (case-insensitive; write <c>./minilm</c> for a folder of that name).</summary>
    public const string MiniLMKeyword = "minilm";

    /// <summary>config.json <c>model_type</c> values the T5 loader reads (mT5 is the T5 v1.1 architecture).</summary>
    public static IReadOnlyList<string> T5ModelTypes { get; } = ["t5", "mt5"];

    /// <summary>config.json <c>model_type</c> values the BERT loader reads.</summary>
    public static IReadOnlyList<string> BertModelTypes { get; } = ["bert"];

    /// <summary>The accepted values, for messages.</summary>
    public static string Supported =>
        $"supported: '{MiniLMKeyword}' (the embedded all-MiniLM-L6-v2), a Hugging Face T5 folder (config.json model_type {string.Join(" or ", T5ModelTypes)}) " +
        $"or a Hugging Face BERT folder (config.json model_type {string.Join(" or ", BertModelTypes)})";

    /// <summary>Decides the kind of <paramref name="path"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The path is neither the keyword nor an existing folder.</exception>
    /// <exception cref="InvalidDataException">The folder has no readable config.json, no model_type, or an unsupported
    /// one. Every message is one line naming what was found and what is supported.</exception>
    public static BackboneFolder Detect(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (string.Equals(path.Trim(), MiniLMKeyword, StringComparison.OrdinalIgnoreCase))
            return new BackboneFolder(BackboneKind.MiniLM, MiniLMKeyword);
        string folder = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException(File.Exists(folder)
                ? $"{folder}: is a file, not a model folder; {Supported}."
                : $"{folder}: no such model folder; {Supported}.");
        string configPath = System.IO.Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
            throw new InvalidDataException($"{folder}: no config.json, so the model kind is unknown; {Supported}.");
        string? modelType = ReadModelType(configPath);
        if (modelType is null)
            throw new InvalidDataException($"{configPath}: no model_type key, so the model kind is unknown; {Supported}.");
        if (T5ModelTypes.Contains(modelType)) return new BackboneFolder(BackboneKind.T5, folder);
        if (BertModelTypes.Contains(modelType)) return new BackboneFolder(BackboneKind.Bert, folder);
        throw new InvalidDataException($"{configPath}: model_type '{modelType}' is not supported; {Supported}.");
    }

    private static string? ReadModelType(string configPath)
    {
        try
        {
            using var doc = UntrustedJson.Parse(File.ReadAllBytes(configPath));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{configPath}: expected a JSON object, found {doc.RootElement.ValueKind}; {Supported}.");
            if (!doc.RootElement.TryGetProperty("model_type", out var value) || value.ValueKind == JsonValueKind.Null) return null;
            return value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw new InvalidDataException($"{configPath}: model_type must be a string, found {value.ValueKind}; {Supported}.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{configPath}: not valid JSON (line {e.LineNumber + 1}): {UntrustedJson.Describe(e)}; {Supported}.", e);
        }
    }
}
