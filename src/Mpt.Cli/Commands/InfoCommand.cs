using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mpt.Inspection;

namespace Mpt.Cli.Commands;

/// <summary><c>mpt info &lt;model-dir&gt;</c>: architecture, parameter counts, stored dtype and tokenizer of a T5 folder.</summary>
public static class InfoCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create(CliContext context)
    {
        var folder = new Argument<string>("model-dir") { Description = "A Hugging Face T5 folder (config.json, model.safetensors, spiece.model)." };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON." };
        var command = new Command("info", "Describe a T5 model folder: architecture, parameter counts, dtype, tokenizer.") { folder, json };
        command.SetAction(parse =>
        {
            var summary = ModelFolderSummary.Inspect(parse.GetValue(folder)!);
            if (parse.GetValue(json)) WriteJson(context.Output, summary);
            else WriteText(context.Output, summary);
            return MptCli.Ok;
        });
        return command;
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static void WriteText(TextWriter o, ModelFolderSummary s)
    {
        var c = s.Config;
        o.WriteLine($"model        {s.Folder}");
        o.WriteLine($"architecture T5 ({c.FeedForwardProj}, {(c.TieWordEmbeddings ? "tied" : "untied")} embeddings)");
        o.WriteLine($"  d_model {c.DModel}, d_ff {c.DFf}, d_kv {c.DKv}, heads {c.NumHeads}, layers {c.NumLayers} encoder + {c.NumDecoderLayers} decoder");
        o.WriteLine($"  vocab {c.VocabSize}, relative buckets {c.RelativeAttentionNumBuckets} (max distance {c.RelativeAttentionMaxDistance})");
        o.WriteLine($"weights      {string.Join(", ", s.WeightFiles)}");
        o.WriteLine($"stored dtype {string.Join(", ", s.ValuesPerStoredDType.Select(kv => $"{kv.Key} ({N(kv.Value)} values)"))}");
        o.WriteLine("parameters");
        foreach (var (part, count) in s.ParameterCounts) o.WriteLine($"  {part,-17}{N(count),15}");
        if (s.Tokenizer is { } t)
            o.WriteLine($"tokenizer    spiece.model: {N(t.SentencePieceSize)} pieces + {t.ExtraIds} sentinels = vocab {N(t.VocabSize)}; pad {t.PadId}, eos {t.EosId}, unk {t.UnkId}");
        else
            o.WriteLine("tokenizer    none (no spiece.model in the folder)");
    }

    private static void WriteJson(TextWriter o, ModelFolderSummary s)
    {
        var doc = new
        {
            folder = s.Folder,
            config = JsonDocument.Parse(s.Config.ToJson()).RootElement,
            weight_files = s.WeightFiles,
            values_per_stored_dtype = s.ValuesPerStoredDType,
            parameter_counts = s.ParameterCounts,
            tokenizer = s.Tokenizer is { } t
                ? new { vocab_size = t.VocabSize, sentencepiece_size = t.SentencePieceSize, extra_ids = t.ExtraIds, pad_id = t.PadId, eos_id = t.EosId, unk_id = t.UnkId }
                : null,
        };
        o.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }
}
