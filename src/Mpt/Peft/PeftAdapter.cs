using Mpt.Checkpoints;
using Mpt.Model;
using Mpt.Prompts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Peft;

/// <summary>
/// Reads and writes prompt adapters in PEFT's on-disk format (docs/method.md §5): a folder with <c>adapter_config.json</c>
/// (<see cref="PeftAdapterConfig"/>) and <c>adapter_model.safetensors</c> (tensors <c>prompt_embeddings</c>, and for
/// MPT <c>prefix_task_cols</c>, <c>prefix_task_rows</c>; float32, sorted, metadata <c>{"format": "pt"}</c>). Files written
/// here are byte-identical to what PEFT's <c>save_pretrained</c> writes for the same values, and PEFT loads them with
/// <c>PeftModel.from_pretrained</c>.
/// </summary>
/// <remarks>
/// Safety rail: when the model the prompt was trained for is known, a third file <c>mpt_model.json</c>
/// (<see cref="PromptModelFile"/>) records its <see cref="ModelFingerprint"/>; PEFT ignores it. Loading onto a model
/// (<see cref="Load(string, T5ForConditionalGeneration, PeftLoadOptions?)"/>) refuses a prompt made for another model.
/// </remarks>
public static class PeftAdapter
{
    /// <summary>PEFT's config file name (<c>CONFIG_NAME</c>).</summary>
    public const string ConfigFileName = "adapter_config.json";

    /// <summary>PEFT's weights file name with <c>safe_serialization=True</c> (<c>SAFETENSORS_WEIGHTS_NAME</c>).</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>PEFT's weights file name with <c>safe_serialization=False</c> (<c>WEIGHTS_NAME</c>); read, never written.</summary>
    public const string PickleWeightsFileName = "adapter_model.bin";

    private static readonly Dictionary<string, string> PeftMetadata = new() { ["format"] = "pt" };

    /// <summary>
    /// Saves <paramref name="encoder"/> as a PEFT adapter for <paramref name="model"/> and records the model in
    /// <c>mpt_model.json</c>. The config is <see cref="PeftAdapterConfig.ForEncoder"/> (encoder-only placement).
    /// </summary>
    /// <param name="folder">Created if needed; existing adapter files are replaced.</param>
    /// <param name="encoder">A <see cref="SoftPrompt"/> or <see cref="MultitaskPrompt"/>.</param>
    /// <param name="model">The model the prompt was trained for (fingerprinted, see <see cref="ModelFingerprint"/>).</param>
    /// <param name="baseModelNameOrPath">Written as <c>base_model_name_or_path</c> (PEFT loads the base model from it).</param>
    /// <returns>The config written.</returns>
    public static PeftAdapterConfig Save(string folder, PromptEncoder encoder, T5ForConditionalGeneration model, string? baseModelNameOrPath = null)
    {
        var config = PeftAdapterConfig.ForEncoder(encoder, model.Config) with { BaseModelNameOrPath = baseModelNameOrPath };
        return Save(folder, config, encoder, ModelFingerprint.Compute(model));
    }

    /// <summary>
    /// Saves <paramref name="encoder"/> as a plain PEFT adapter for a model of shape <paramref name="modelConfig"/>:
    /// exactly PEFT's two files, no <c>mpt_model.json</c> (the weights are unknown). Prefer the overload taking the model,
    /// which records it.
    /// </summary>
    /// <returns>The config written.</returns>
    public static PeftAdapterConfig Save(string folder, PromptEncoder encoder, T5Config modelConfig, string? baseModelNameOrPath = null)
    {
        var config = PeftAdapterConfig.ForEncoder(encoder, modelConfig) with { BaseModelNameOrPath = baseModelNameOrPath };
        return Save(folder, config, encoder);
    }

    /// <summary>
    /// Saves <paramref name="encoder"/> with an explicit config (e.g. one read from a PEFT adapter, to write it back
    /// byte-identically). <c>inference_mode</c> is forced to true, as PEFT's <c>save_pretrained</c> does.
    /// </summary>
    /// <param name="folder">Created if needed; existing adapter files are replaced.</param>
    /// <param name="config">Must describe the encoder: peft_type, num_virtual_tokens, token_dim, num_transformer_submodules 1,
    /// and for MPT num_tasks, num_ranks.</param>
    /// <param name="encoder">A <see cref="SoftPrompt"/> or <see cref="MultitaskPrompt"/>.</param>
    /// <param name="trainedFor">The model to record in <c>mpt_model.json</c>; null writes only PEFT's two files (and removes
    /// a stale <c>mpt_model.json</c> from the folder, which would describe another prompt).</param>
    /// <returns>The config written.</returns>
    /// <exception cref="ArgumentException">The config does not describe the encoder (the field is named).</exception>
    /// <exception cref="ModelMismatchException"><paramref name="trainedFor"/> has another d_model than the prompt's width.</exception>
    public static PeftAdapterConfig Save(string folder, PeftAdapterConfig config, PromptEncoder encoder, ModelFingerprint? trainedFor = null)
    {
        EnsureDescribes(config, encoder);
        if (trainedFor is not null && trainedFor.Architecture.DModel != encoder.TokenDim)
            throw new ModelMismatchException(
                $"the prompt has width {encoder.TokenDim} but the model it is recorded for has d_model {trainedFor.Architecture.DModel} ({trainedFor}).",
                overridable: false);
        config = config with { InferenceMode = true };

        Directory.CreateDirectory(folder);
        string configPath = Path.Combine(folder, ConfigFileName);
        // Each file atomically, so a crash never leaves a half-written one under its final name.
        Serialization.AtomicFile.WriteAllText(configPath, config.ToJson());

        var tensors = encoder.PeftTensors();
        try { SafetensorsFile.Write(Path.Combine(folder, WeightsFileName), tensors, PeftMetadata); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }

        string sidecar = Path.Combine(folder, PromptModelFile.FileName);
        if (trainedFor is not null) PromptModelFile.Write(folder, trainedFor);
        else if (File.Exists(sidecar)) File.Delete(sidecar);
        return config;
    }

    /// <summary>
    /// Exports one task of a multitask prompt as a plain <c>PROMPT_TUNING</c> adapter: its composed prompt
    /// P̂_k = P* ∘ (u_k v_k) compressed to a single l × d matrix (the paper's footnote 2; not a PEFT feature, but PEFT
    /// loads the result as any prompt-tuning adapter). Records <paramref name="model"/> in <c>mpt_model.json</c>.
    /// </summary>
    /// <returns>The config written.</returns>
    public static PeftAdapterConfig SaveTaskAsPromptTuning(string folder, MultitaskPrompt prompt, int task,
        T5ForConditionalGeneration model, string? baseModelNameOrPath = null)
    {
        using var single = prompt.ToSoftPrompt(task);
        return Save(folder, single, model, baseModelNameOrPath);
    }

    /// <summary>
    /// Exports one task of a multitask prompt as a plain <c>PROMPT_TUNING</c> adapter from a model config only
    /// (no <c>mpt_model.json</c>: exactly PEFT's two files).
    /// </summary>
    /// <returns>The config written.</returns>
    public static PeftAdapterConfig SaveTaskAsPromptTuning(string folder, MultitaskPrompt prompt, int task,
        T5Config modelConfig, string? baseModelNameOrPath = null)
    {
        using var single = prompt.ToSoftPrompt(task);
        return Save(folder, single, modelConfig, baseModelNameOrPath);
    }

    /// <summary>
    /// Reads a prompt adapter folder without a target model: the config, the prompt encoder its peft_type names, and the
    /// recorded model if any. Use <see cref="Load(string, T5ForConditionalGeneration, PeftLoadOptions?)"/> to also check
    /// that the prompt belongs to a model.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">adapter_config.json or the weights file is missing.</exception>
    /// <exception cref="NotSupportedException">peft_type is not a prompt type (e.g. LORA), or num_transformer_submodules
    /// is 2 without <see cref="PeftLoadOptions.UseEncoderHalfOfDecoderPrompts"/>.</exception>
    /// <exception cref="InvalidDataException">A config field is missing/malformed, or a tensor's shape disagrees with the
    /// config (num_virtual_tokens, token_dim, num_tasks, num_ranks named).</exception>
    public static LoadedPeftAdapter Load(string folder, PeftLoadOptions? options = null)
    {
        options ??= new PeftLoadOptions();
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"PEFT adapter folder '{folder}' does not exist.");
        string configPath = Path.Combine(folder, ConfigFileName);
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"'{folder}' is not a PEFT adapter folder: {ConfigFileName} is missing.", configPath);
        var config = PeftAdapterConfig.FromJsonFile(configPath);

        int l = config.NumVirtualTokens ?? throw MissingKey(configPath, "num_virtual_tokens");
        int d = config.TokenDim ?? throw MissingKey(configPath, "token_dim");
        if (l <= 0) throw new InvalidDataException($"{configPath}: num_virtual_tokens must be positive, got {l}.");
        if (d <= 0) throw new InvalidDataException($"{configPath}: token_dim must be positive, got {d}.");
        int submodules = config.EffectiveTransformerSubmodules;
        if (submodules == 2 && !options.UseEncoderHalfOfDecoderPrompts)
            throw new NotSupportedException(
                $"{configPath}: num_transformer_submodules is 2: PEFT prepends {l} prompt rows to the encoder input and another {l} to the " +
                "decoder input (its seq2seq default). MPT, like prompt tuning, prompts the encoder only (num_transformer_submodules 1), " +
                "so this adapter cannot be reproduced here. Retrain it with num_transformer_submodules=1, or load only its encoder half " +
                $"with {nameof(PeftLoadOptions.UseEncoderHalfOfDecoderPrompts)} (outputs will differ from PEFT's).");
        if (submodules is not (1 or 2))
            throw new InvalidDataException($"{configPath}: num_transformer_submodules must be 1 or 2, got {submodules}.");

        var (tensors, weightsPath) = ReadWeights(folder);
        try
        {
            CheckShapes(config, tensors, l * submodules, d, configPath, weightsPath);
            if (submodules == 2)
            {
                // PEFT peft_model.py (seq2seq forward): prompts[:, :l] go to the encoder, prompts[:, l:] to the decoder.
                TakeEncoderRows(tensors, l);
                config = config with { NumTransformerSubmodules = 1 };
            }
            PromptEncoder encoder = config.IsMultitask
                ? MultitaskPrompt.FromPeftTensors(tensors, weightsPath)
                : SoftPrompt.FromPeftTensors(tensors, weightsPath);
            return new LoadedPeftAdapter(folder, config, encoder, PromptModelFile.Read(folder));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Reads a prompt adapter for use with <paramref name="model"/> and refuses one made for another model: different
    /// d_model (never loadable); with <c>mpt_model.json</c>, a different architecture or weights fingerprint; without it
    /// (adapters written by PEFT), num_layers / num_attention_heads / task_type that disagree with the model.
    /// </summary>
    /// <exception cref="ModelMismatchException">The adapter was made for another model (see
    /// <see cref="PeftLoadOptions.AllowModelMismatch"/>).</exception>
    public static LoadedPeftAdapter Load(string folder, T5ForConditionalGeneration model, PeftLoadOptions? options = null) =>
        Load(folder, ModelFingerprint.Compute(model), options);

    /// <summary>As <see cref="Load(string, T5ForConditionalGeneration, PeftLoadOptions?)"/> with the model's fingerprint
    /// computed beforehand (to check many prompts against one model).</summary>
    public static LoadedPeftAdapter Load(string folder, ModelFingerprint model, PeftLoadOptions? options = null)
    {
        options ??= new PeftLoadOptions();
        var loaded = Load(folder, options);
        try
        {
            EnsureFits(loaded, model, options.AllowModelMismatch);
            return loaded;
        }
        catch
        {
            loaded.Encoder.Dispose();
            throw;
        }
    }

    private static void EnsureFits(LoadedPeftAdapter loaded, ModelFingerprint model, bool allowMismatch)
    {
        string source = loaded.Folder;
        var config = loaded.Config;
        var arch = model.Architecture;
        if (config.TokenDim != arch.DModel)
            throw new ModelMismatchException(
                $"{source}: the prompt was trained for another model: its token_dim is {config.TokenDim} but this model has d_model {arch.DModel} " +
                $"({model}){(loaded.TrainedFor is null ? "" : $"; it was recorded for {loaded.TrainedFor}")}. No override exists for a different width.",
                overridable: false);
        if (loaded.TrainedFor is not null)
        {
            ModelFingerprint.EnsureSameModel(loaded.TrainedFor, model, source, allowMismatch);
            return;
        }
        // A PEFT-written adapter records only what PEFT copies from the base model's config (utils/other.py
        // _prepare_prompt_learning_config), so those are the fields that can be checked.
        var differences = new List<string>();
        if (config.NumLayers is int layers && layers != arch.NumLayers) differences.Add($"num_layers {layers} vs {arch.NumLayers}");
        if (config.NumAttentionHeads is int heads && heads != arch.NumHeads) differences.Add($"num_attention_heads {heads} vs {arch.NumHeads}");
        if (config.TaskType is string task && task != arch.PeftTaskType) differences.Add($"task_type {task} vs {arch.PeftTaskType}");
        if (differences.Count > 0 && !allowMismatch)
            throw new ModelMismatchException(
                $"{source}: the prompt was trained for another model ({string.Join(", ", differences)}; adapter for " +
                $"'{config.BaseModelNameOrPath ?? "an unnamed model"}' vs this model {arch}). Load the model it was trained for, or set " +
                $"{nameof(PeftLoadOptions.AllowModelMismatch)} (experts).",
                overridable: true);
    }

    /// <summary>Checks that <paramref name="config"/> describes <paramref name="encoder"/> field by field.</summary>
    private static void EnsureDescribes(PeftAdapterConfig config, PromptEncoder encoder)
    {
        string type = PeftAdapterConfig.PeftTypeOf(encoder);
        void Fail(string key, object? configValue, object encoderValue) =>
            throw new ArgumentException($"adapter config {key} = {configValue ?? "null"} does not describe the {encoder.GetType().Name} being saved ({encoderValue}).", nameof(config));
        if (config.PeftType != type) Fail("peft_type", config.PeftType, type);
        if (config.NumVirtualTokens != encoder.NumVirtualTokens) Fail("num_virtual_tokens", config.NumVirtualTokens, encoder.NumVirtualTokens);
        if (config.TokenDim != encoder.TokenDim) Fail("token_dim", config.TokenDim, encoder.TokenDim);
        if (config.EffectiveTransformerSubmodules != 1)
            Fail("num_transformer_submodules", config.NumTransformerSubmodules, "Mpt prompts are encoder-only: 1");
        if (encoder is MultitaskPrompt mpt)
        {
            if (config.NumTasks != mpt.NumTasks) Fail("num_tasks", config.NumTasks, mpt.NumTasks);
            if (config.NumRanks != mpt.Rank) Fail("num_ranks", config.NumRanks, mpt.Rank);
        }
    }

    private static (Dictionary<string, Tensor> Tensors, string Path) ReadWeights(string folder)
    {
        string safetensors = Path.Combine(folder, WeightsFileName);
        if (File.Exists(safetensors)) return (SafetensorsFile.Read(safetensors), safetensors);
        string pickle = Path.Combine(folder, PickleWeightsFileName);
        if (File.Exists(pickle)) return (PyTorchCheckpointFile.Read(pickle), pickle);
        throw new FileNotFoundException(
            $"'{folder}' has {ConfigFileName} but no weights: neither {WeightsFileName} nor {PickleWeightsFileName} exists.", safetensors);
    }

    /// <summary>Checks every adapter tensor against the shape the config implies, naming the config fields involved.</summary>
    private static void CheckShapes(PeftAdapterConfig config, Dictionary<string, Tensor> tensors, int rows, int d, string configPath, string weightsPath)
    {
        string[] expected = config.IsMultitask
            ? [PeftPromptTensorNames.PromptEmbeddings, PeftPromptTensorNames.PrefixTaskCols, PeftPromptTensorNames.PrefixTaskRows]
            : [PeftPromptTensorNames.PromptEmbeddings];
        var missing = expected.Where(n => !tensors.ContainsKey(n)).ToList();
        var extra = tensors.Keys.Except(expected).Order(StringComparer.Ordinal).ToList();
        if (missing.Count + extra.Count > 0)
            throw new InvalidDataException(
                $"{weightsPath}: a {config.PeftType} adapter holds exactly [{string.Join(", ", expected)}]" +
                (missing.Count > 0 ? $"; missing [{string.Join(", ", missing)}]" : "") +
                (extra.Count > 0 ? $"; unexpected [{string.Join(", ", extra)}]" : "") + ".");

        string rowsWhy = config.EffectiveTransformerSubmodules == 1
            ? $"num_virtual_tokens {config.NumVirtualTokens}"
            : $"num_virtual_tokens {config.NumVirtualTokens} × num_transformer_submodules {config.EffectiveTransformerSubmodules}";
        Expect(PeftPromptTensorNames.PromptEmbeddings, [rows, d], $"[{rowsWhy}, token_dim {d}]");
        if (!config.IsMultitask) return;
        int tasks = config.NumTasks ?? throw MissingKey(configPath, "num_tasks");
        int ranks = config.NumRanks ?? throw MissingKey(configPath, "num_ranks");
        Expect(PeftPromptTensorNames.PrefixTaskCols, [tasks, rows, ranks], $"[num_tasks {tasks}, {rowsWhy}, num_ranks {ranks}]");
        Expect(PeftPromptTensorNames.PrefixTaskRows, [tasks, ranks, d], $"[num_tasks {tasks}, num_ranks {ranks}, token_dim {d}]");

        void Expect(string name, long[] shape, string why)
        {
            var t = tensors[name];
            if (!t.shape.SequenceEqual(shape))
                throw new InvalidDataException(
                    $"{weightsPath}: tensor '{name}' has shape [{string.Join(",", t.shape)}] but {ConfigFileName} implies {why} = [{string.Join(",", shape)}].");
        }
    }

    /// <summary>Keeps the first <paramref name="l"/> prompt rows (the encoder half) of each tensor that has prompt rows.</summary>
    private static void TakeEncoderRows(Dictionary<string, Tensor> tensors, int l)
    {
        var full = tensors[PeftPromptTensorNames.PromptEmbeddings];
        tensors[PeftPromptTensorNames.PromptEmbeddings] = full.narrow(0, 0, l).clone();
        full.Dispose();
        if (tensors.TryGetValue(PeftPromptTensorNames.PrefixTaskCols, out var cols))
        {
            tensors[PeftPromptTensorNames.PrefixTaskCols] = cols.narrow(1, 0, l).clone();
            cols.Dispose();
        }
    }

    private static InvalidDataException MissingKey(string path, string key) =>
        new($"{path}: key '{key}' is missing or null; it is needed to check the prompt's shape.");
}
