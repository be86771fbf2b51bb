using Mpt.Serialization;
using System.Numerics;
using System.Text.Json;
using Mpt.Model;
using Mpt.Prompts;

namespace Mpt.Peft;

/// <summary>
/// The <c>adapter_config.json</c> of a PEFT prompt adapter: every field PEFT v0.10–v0.11 writes for
/// <c>PROMPT_TUNING</c> (<c>PromptTuningConfig</c>) and <c>MULTITASK_PROMPT_TUNING</c>
/// (<c>MultitaskPromptTuningConfig</c>), under C# names; PEFT's JSON key is given on each property (docs/method.md §5.1).
/// </summary>
/// <remarks>
/// <para>Reading follows PEFT's <c>PeftConfig.from_pretrained</c>: only <c>peft_type</c> is required
/// (<c>MIN_EXPECTED_CONFIG_KEYS</c>), a missing key takes the dataclass default, and keys the config class does not
/// know are dropped (<c>_check_and_remove_unused_kwargs</c>) — so files from newer PEFT versions load. The newer keys
/// <c>peft_version</c> (PEFT ≥ 0.18) and <c>modules_to_save</c> are kept and written back only when they hold a value.</para>
/// <para>Writing (<see cref="ToJson"/>) reproduces <c>json.dumps(asdict(config), indent=2, sort_keys=True)</c> byte for
/// byte (see <see cref="PythonJson"/>): the key set is the dataclass's fields, so a <c>PROMPT_TUNING</c> file has no
/// multitask keys. A PEFT-written file read and written again is identical.</para>
/// </remarks>
public sealed record PeftAdapterConfig
{
    /// <summary><c>peft_type</c> of plain prompt tuning (Lester et al. 2021).</summary>
    public const string PromptTuningType = "PROMPT_TUNING";

    /// <summary><c>peft_type</c> of multitask prompt tuning (Wang et al. 2023).</summary>
    public const string MultitaskPromptTuningType = "MULTITASK_PROMPT_TUNING";

    /// <summary><c>task_type</c> of encoder-decoder models such as T5.</summary>
    public const string Seq2SeqTaskType = "SEQ_2_SEQ_LM";

    /// <summary>PEFT's <c>TaskType.FEATURE_EXTRACTION</c>: the task type of prompts for an encoder without an LM head (BERT).</summary>
    public const string FeatureExtractionTaskType = "FEATURE_EXTRACTION";

    /// <summary><c>peft_type</c> (required): <see cref="PromptTuningType"/> or <see cref="MultitaskPromptTuningType"/>.</summary>
    public required string PeftType { get; init; }

    /// <summary><c>task_type</c>; PEFT's default is null, T5 adapters hold <see cref="Seq2SeqTaskType"/>.</summary>
    public string? TaskType { get; init; }

    /// <summary><c>base_model_name_or_path</c>: the hub id or folder of the model the adapter was made for (informational).</summary>
    public string? BaseModelNameOrPath { get; init; }

    /// <summary><c>revision</c> of the base model.</summary>
    public string? Revision { get; init; }

    /// <summary><c>inference_mode</c>; PEFT forces it to true when saving.</summary>
    public bool InferenceMode { get; init; }

    /// <summary><c>auto_mapping</c> (a dict or null; used by custom PEFT models only). Python JSON values, see <see cref="PythonJson"/>.</summary>
    public IReadOnlyDictionary<string, object?>? AutoMapping { get; init; }

    /// <summary><c>num_virtual_tokens</c>: prompt length l.</summary>
    public int? NumVirtualTokens { get; init; }

    /// <summary><c>token_dim</c>: prompt width, the base model's d_model.</summary>
    public int? TokenDim { get; init; }

    /// <summary>
    /// <c>num_transformer_submodules</c>: 1 = prompt prepended to the encoder input only (the paper's placement);
    /// 2 = PEFT's seq2seq default, a second l rows are prepended to the decoder input.
    /// </summary>
    public int? NumTransformerSubmodules { get; init; }

    /// <summary><c>num_attention_heads</c>, copied by PEFT from the base model (T5 num_heads).</summary>
    public int? NumAttentionHeads { get; init; }

    /// <summary><c>num_layers</c>, copied by PEFT from the base model (T5 num_layers, the encoder depth).</summary>
    public int? NumLayers { get; init; }

    /// <summary><c>prompt_tuning_init</c>: RANDOM (default), TEXT, and for MPT AVERAGE_SOURCE_TASKS, EXACT_SOURCE_TASK,
    /// ONLY_SOURCE_SHARED. Kept as text so values of newer PEFT versions load.</summary>
    public string PromptTuningInit { get; init; } = "RANDOM";

    /// <summary><c>prompt_tuning_init_text</c> for TEXT init.</summary>
    public string? PromptTuningInitText { get; init; }

    /// <summary><c>tokenizer_name_or_path</c> for TEXT init.</summary>
    public string? TokenizerNameOrPath { get; init; }

    /// <summary><c>tokenizer_kwargs</c> (a dict or null). Python JSON values, see <see cref="PythonJson"/>.</summary>
    public IReadOnlyDictionary<string, object?>? TokenizerKwargs { get; init; }

    /// <summary>MPT <c>prompt_tuning_init_state_dict_path</c>: the source adapter for source-based inits, as written
    /// (kept verbatim: the golden files hold paths relative to their split root).</summary>
    public string? PromptTuningInitStateDictPath { get; init; }

    /// <summary>MPT <c>prompt_tuning_init_task</c>: the source task of EXACT_SOURCE_TASK (default 0).</summary>
    public int? PromptTuningInitTask { get; init; } = 0;

    /// <summary>MPT <c>num_ranks</c>: rank r of the task factors (default 1).</summary>
    public int? NumRanks { get; init; } = 1;

    /// <summary>MPT <c>num_tasks</c>: number of task factor pairs T (default 1).</summary>
    public int? NumTasks { get; init; } = 1;

    /// <summary><c>peft_version</c>, written by PEFT ≥ 0.18; null when absent (then not written).</summary>
    public string? PeftVersion { get; init; }

    /// <summary><c>modules_to_save</c> of newer PEFT; null when absent or null (then not written).</summary>
    public IReadOnlyList<string>? ModulesToSave { get; init; }

    /// <summary>True for <see cref="MultitaskPromptTuningType"/>.</summary>
    public bool IsMultitask => PeftType == MultitaskPromptTuningType;

    /// <summary>
    /// <c>num_transformer_submodules</c> as PEFT resolves it when unset (<c>_prepare_prompt_learning_config</c>):
    /// 2 for SEQ_2_SEQ_LM, else 1.
    /// </summary>
    public int EffectiveTransformerSubmodules => NumTransformerSubmodules ?? (TaskType == Seq2SeqTaskType ? 2 : 1);

    /// <summary>
    /// The config PEFT would write for <paramref name="encoder"/> on a T5 with <paramref name="model"/>'s shape:
    /// peft_type from the encoder kind, l and d from the encoder, num_layers / num_attention_heads from the model
    /// (as PEFT's <c>_prepare_prompt_learning_config</c> does for T5), encoder-only placement (submodules 1), RANDOM init.
    /// Descriptive fields (base model, init) can be set afterwards with <c>with</c>.
    /// </summary>
    /// <exception cref="ModelMismatchException">The encoder's width is not the model's d_model.</exception>
    /// <exception cref="NotSupportedException">The encoder is neither a <see cref="SoftPrompt"/> nor a <see cref="MultitaskPrompt"/>.</exception>
    public static PeftAdapterConfig ForEncoder(PromptEncoder encoder, T5Config model) =>
        For(encoder, Seq2SeqTaskType, model.DModel, "the model has d_model", model.NumHeads, model.NumLayers);

    /// <summary>
    /// The config of <paramref name="encoder"/> as a prompt for a BERT encoder of shape <paramref name="model"/>: task type
    /// <see cref="FeatureExtractionTaskType"/>, one transformer submodule (PEFT's default for encoder-only models).
    /// </summary>
    /// <exception cref="ModelMismatchException">The prompt's width differs from the encoder's hidden size.</exception>
    public static PeftAdapterConfig ForBert(PromptEncoder encoder, Encoder.BertConfig model) =>
        For(encoder, FeatureExtractionTaskType, model.HiddenSize, "the encoder has hidden size", model.NumHeads, model.NumLayers);

    /// <summary>
    /// What <see cref="ForEncoder"/> and <see cref="ForBert"/> share: the encoder's kind, l and d, the model's heads and
    /// layers, encoder-only placement (one transformer submodule), inference mode; MPT's tasks and ranks.
    /// </summary>
    private static PeftAdapterConfig For(PromptEncoder encoder, string taskType, int modelWidth, string widthName, int heads, int layers)
    {
        if (encoder.TokenDim != modelWidth)
            throw new ModelMismatchException(
                $"the prompt has width {encoder.TokenDim} but {widthName} {modelWidth}: it was trained for another model.",
                overridable: false);
        var config = new PeftAdapterConfig
        {
            PeftType = PeftTypeOf(encoder),
            TaskType = taskType,
            NumVirtualTokens = encoder.NumVirtualTokens,
            TokenDim = encoder.TokenDim,
            NumTransformerSubmodules = 1,
            NumAttentionHeads = heads,
            NumLayers = layers,
            InferenceMode = true,
        };
        return encoder is MultitaskPrompt mpt ? config with { NumTasks = mpt.NumTasks, NumRanks = mpt.Rank } : config;
    }

    /// <summary>The <c>peft_type</c> of an encoder kind.</summary>
    /// <exception cref="NotSupportedException">The encoder has no PEFT counterpart.</exception>
    public static string PeftTypeOf(PromptEncoder encoder) => encoder switch
    {
        SoftPrompt => PromptTuningType,
        MultitaskPrompt => MultitaskPromptTuningType,
        _ => throw new NotSupportedException($"{encoder.GetType().Name} has no PEFT adapter type (only SoftPrompt and MultitaskPrompt do)."),
    };

    /// <summary>Reads an <c>adapter_config.json</c> file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not JSON, not an object, or a field of the wrong type (named).</exception>
    /// <exception cref="NotSupportedException"><c>peft_type</c> is not a prompt-tuning type (e.g. LORA).</exception>
    public static PeftAdapterConfig FromJsonFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"PEFT adapter config '{path}' does not exist.", path);
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Parses <c>adapter_config.json</c> text; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">Not JSON, not an object, or a field of the wrong type (named).</exception>
    /// <exception cref="NotSupportedException"><c>peft_type</c> is not a prompt-tuning type (e.g. LORA).</exception>
    public static PeftAdapterConfig FromJson(string json, string source = "adapter_config.json") => ErrorText.OneLineRejections(() => FromJsonCore(json, source));

    private static PeftAdapterConfig FromJsonCore(string json, string source = "adapter_config.json")
    {
        Dictionary<string, object?> fields;
        try
        {
            using var doc = UntrustedJson.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: an adapter config must be a JSON object, found {doc.RootElement.ValueKind}.");
            fields = (Dictionary<string, object?>)PythonJson.FromJsonElement(doc.RootElement)!;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON: {UntrustedJson.Describe(e)}", e);
        }
        var r = new FieldReader(fields, source);
        if (!fields.TryGetValue("peft_type", out var typeValue) || typeValue is null)
            throw new InvalidDataException($"{source}: required key 'peft_type' is missing (PEFT's only required adapter_config key).");
        string peftType = r.String("peft_type")!;
        if (peftType is not (PromptTuningType or MultitaskPromptTuningType))
            throw new NotSupportedException(
                $"{source}: peft_type '{peftType}' is not supported: Mpt reads prompt adapters only ({PromptTuningType}, {MultitaskPromptTuningType}).");

        var config = new PeftAdapterConfig
        {
            PeftType = peftType,
            TaskType = r.String("task_type"),
            BaseModelNameOrPath = r.String("base_model_name_or_path"),
            Revision = r.String("revision"),
            InferenceMode = r.Bool("inference_mode") ?? false,
            AutoMapping = r.Dict("auto_mapping"),
            NumVirtualTokens = r.Int("num_virtual_tokens"),
            TokenDim = r.Int("token_dim"),
            NumTransformerSubmodules = r.Int("num_transformer_submodules"),
            NumAttentionHeads = r.Int("num_attention_heads"),
            NumLayers = r.Int("num_layers"),
            PromptTuningInit = r.String("prompt_tuning_init") ?? "RANDOM",
            PromptTuningInitText = r.String("prompt_tuning_init_text"),
            TokenizerNameOrPath = r.String("tokenizer_name_or_path"),
            TokenizerKwargs = r.Dict("tokenizer_kwargs"),
            PeftVersion = r.String("peft_version"),
            ModulesToSave = r.StringList("modules_to_save"),
        };
        // The multitask fields exist only on MultitaskPromptTuningConfig: for PROMPT_TUNING they are unknown keys
        // and dropped, like any other.
        if (config.IsMultitask)
        {
            config = config with
            {
                PromptTuningInitStateDictPath = r.String("prompt_tuning_init_state_dict_path"),
                PromptTuningInitTask = fields.ContainsKey("prompt_tuning_init_task") ? r.Int("prompt_tuning_init_task") : 0,
                NumRanks = fields.ContainsKey("num_ranks") ? r.Int("num_ranks") : 1,
                NumTasks = fields.ContainsKey("num_tasks") ? r.Int("num_tasks") : 1,
            };
        }
        return config;
    }

    /// <summary>
    /// The file text PEFT writes for this config: <c>json.dumps(asdict(config), indent=2, sort_keys=True)</c>, no
    /// trailing newline. The value of <see cref="InferenceMode"/> is written as it is (PEFT's save forces it to true;
    /// <see cref="PeftAdapter"/> does the same).
    /// </summary>
    public string ToJson() => PythonJson.Dumps(ToPythonDict());

    /// <summary>The config as PEFT's <c>asdict(config)</c>: the dataclass fields of the config class for <see cref="PeftType"/>.</summary>
    public IReadOnlyDictionary<string, object?> ToPythonDict()
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            // PeftConfigMixin / PeftConfig
            ["peft_type"] = PeftType,
            ["auto_mapping"] = AutoMapping,
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["revision"] = Revision,
            ["task_type"] = TaskType,
            ["inference_mode"] = InferenceMode,
            // PromptLearningConfig
            ["num_virtual_tokens"] = NumVirtualTokens,
            ["token_dim"] = TokenDim,
            ["num_transformer_submodules"] = NumTransformerSubmodules,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_layers"] = NumLayers,
            // PromptTuningConfig
            ["prompt_tuning_init"] = PromptTuningInit,
            ["prompt_tuning_init_text"] = PromptTuningInitText,
            ["tokenizer_name_or_path"] = TokenizerNameOrPath,
            ["tokenizer_kwargs"] = TokenizerKwargs,
        };
        if (IsMultitask)
        {
            d["prompt_tuning_init_state_dict_path"] = PromptTuningInitStateDictPath;
            d["prompt_tuning_init_task"] = PromptTuningInitTask;
            d["num_ranks"] = NumRanks;
            d["num_tasks"] = NumTasks;
        }
        if (PeftVersion is not null) d["peft_version"] = PeftVersion;
        if (ModulesToSave is not null) d["modules_to_save"] = ModulesToSave.Cast<object?>().ToList();
        return d;
    }

    /// <summary>Typed access to Python JSON values with messages naming the file and key.</summary>
    private sealed class FieldReader(Dictionary<string, object?> fields, string source)
    {
        private object? Get(string key) => fields.TryGetValue(key, out var v) ? v : null;

        private InvalidDataException WrongType(string key, object value, string expected) =>
            new($"{source}: key '{key}' must be {expected} or null, found {PythonJson.Dumps(value).ReplaceLineEndings(" ")}.");

        public string? String(string key) => Get(key) switch
        {
            null => null,
            string s => s,
            var v => throw WrongType(key, v, "a string"),
        };

        public bool? Bool(string key) => Get(key) switch
        {
            null => null,
            bool b => b,
            var v => throw WrongType(key, v, "true/false"),
        };

        public int? Int(string key) => Get(key) switch
        {
            null => null,
            BigInteger i when i >= int.MinValue && i <= int.MaxValue => (int)i,
            var v => throw WrongType(key, v, "an integer"),
        };

        public IReadOnlyDictionary<string, object?>? Dict(string key) => Get(key) switch
        {
            null => null,
            Dictionary<string, object?> d => d,
            var v => throw WrongType(key, v, "an object"),
        };

        public IReadOnlyList<string>? StringList(string key) => Get(key) switch
        {
            null => null,
            List<object?> list when list.All(x => x is string) => list.Cast<string>().ToList(),
            var v => throw WrongType(key, v, "a list of strings"),
        };
    }
}
