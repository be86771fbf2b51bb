using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Mpt.Checkpoints;
using Mpt.Prompts;
using Mpt.Serialization;
using Mpt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Runs;

/// <summary>
/// The folder of one training run:
/// <code>
/// config.json                  the stage's options (a resumed run must be given the same)
/// checkpoint/                  the latest resumable state, replaced as a whole
///   prompt.safetensors         prompt tensors under PEFT names (prompt_embeddings, prefix_task_cols, prefix_task_rows)
///   best_prompt.safetensors    best-dev prompt so far (when there is an evaluator)
///   optimizer.safetensors      AdamW exp_avg / exp_avg_sq / step per trained parameter
///   rng.safetensors            torch CPU generator state (dropout)
///   trainer_state.json         step, best score, data order and task sampler state — written last (the manifest)
/// prompt.safetensors           the final prompt of a finished run (PEFT names)
/// result.json                  summary of a finished run
/// </code>
/// </summary>
/// <remarks>
/// A checkpoint is written to <c>checkpoint.tmp/</c> (each file itself via temp file + rename, the manifest last), then
/// swapped in: <c>checkpoint/</c> → <c>checkpoint.old/</c>, <c>checkpoint.tmp/</c> → <c>checkpoint/</c>, old deleted.
/// A crash at any point leaves either a complete <c>checkpoint/</c> or a complete <c>checkpoint.old/</c>, and
/// <see cref="LoadCheckpoint"/> takes whichever is complete (has its manifest).
/// </remarks>
public sealed class RunFolder
{
    /// <summary>Options of the run.</summary>
    public const string ConfigFile = "config.json";
    /// <summary>Latest checkpoint folder.</summary>
    public const string CheckpointDir = "checkpoint";
    /// <summary>Prompt file name (PEFT tensor names).</summary>
    public const string PromptFile = "prompt.safetensors";
    /// <summary>Best prompt file name.</summary>
    public const string BestPromptFile = "best_prompt.safetensors";
    /// <summary>Optimizer state file name.</summary>
    public const string OptimizerFile = "optimizer.safetensors";
    /// <summary>Generator state file name.</summary>
    public const string RngFile = "rng.safetensors";
    /// <summary>Checkpoint manifest, written last.</summary>
    public const string TrainerStateFile = "trainer_state.json";
    /// <summary>Summary of a finished run.</summary>
    public const string ResultFile = "result.json";

    private const int FormatVersion = 1;
    private const string TorchRngTensor = "torch_cpu_rng_state";

    /// <summary>JSON settings for config, state and result files (indented, enums as names).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Options added after runs were recorded are left out while they hold the old behaviour (LegacyValueAttribute).
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LegacyValueAttribute.OmitLegacyValues } },
    };

    /// <summary>Opens (and creates) the folder.</summary>
    public RunFolder(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
    }

    /// <summary>Absolute path of the folder.</summary>
    public string Path { get; }

    private string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Whether a complete checkpoint exists.</summary>
    public bool HasCheckpoint => CompleteCheckpointDir() is not null;

    /// <summary>
    /// Records the run's options. A fresh run refuses a folder that already has a checkpoint (it would silently mix two
    /// runs); a resumed run requires the stored options to equal <paramref name="configJson"/> exactly.
    /// </summary>
    /// <exception cref="InvalidOperationException">A conflicting folder.</exception>
    public void EnsureConfig(string configJson, bool resume)
    {
        FinishInterruptedSwap();
        string file = Combine(ConfigFile);
        if (resume && File.Exists(file))
        {
            string stored = File.ReadAllText(file);
            if (stored != configJson)
                throw new InvalidOperationException($"{file}: the run was started with other options; resume it with the same options or use a new run folder.\nstored:\n{stored}\ngiven:\n{configJson}");
            return;
        }
        if (!resume && HasCheckpoint)
            throw new InvalidOperationException($"{Path} already holds a checkpoint; resume it (--resume) or choose an empty run folder.");
        WriteTextAtomic(file, configJson);
    }

    /// <summary>Writes a checkpoint and swaps it in as a whole.</summary>
    public void SaveCheckpoint(TrainingCheckpoint checkpoint)
    {
        string tmp = Combine(CheckpointDir + ".tmp"), current = Combine(CheckpointDir), old = Combine(CheckpointDir + ".old");
        FinishInterruptedSwap();
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(tmp);
        SafetensorsFile.Write(System.IO.Path.Combine(tmp, PromptFile), checkpoint.Prompt);
        if (checkpoint.BestPrompt is not null) SafetensorsFile.Write(System.IO.Path.Combine(tmp, BestPromptFile), checkpoint.BestPrompt);
        SafetensorsFile.Write(System.IO.Path.Combine(tmp, OptimizerFile), checkpoint.Optimizer);
        SafetensorsFile.Write(System.IO.Path.Combine(tmp, RngFile), new Dictionary<string, Tensor> { [TorchRngTensor] = checkpoint.TorchRngState });
        var state = new TrainerState(FormatVersion, checkpoint.Step, checkpoint.TotalSteps, checkpoint.BestScore, checkpoint.BestStep, checkpoint.Source);
        WriteTextAtomic(System.IO.Path.Combine(tmp, TrainerStateFile), JsonSerializer.Serialize(state, Json));

        AtomicFile.SyncFolder(tmp); // the files' own renames into checkpoint.tmp/ are durable before the folder swap
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(current)) Directory.Move(current, old);
        Directory.Move(tmp, current);
        AtomicFile.SyncFolder(Path);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>Reads the latest complete checkpoint.</summary>
    /// <exception cref="InvalidOperationException">No complete checkpoint.</exception>
    /// <exception cref="InvalidDataException">A damaged or foreign checkpoint (the file is named).</exception>
    public TrainingCheckpoint LoadCheckpoint()
    {
        string dir = CompleteCheckpointDir() ?? throw new InvalidOperationException($"{Path} has no complete checkpoint to resume from.");
        string stateFile = System.IO.Path.Combine(dir, TrainerStateFile);
        TrainerState state;
        try
        {
            state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(stateFile), Json)
                    ?? throw new InvalidDataException($"{stateFile}: empty trainer state.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{stateFile}: not a valid trainer state ({e.Message}).", e);
        }
        if (state.FormatVersion != FormatVersion)
            throw new InvalidDataException($"{stateFile}: format version {state.FormatVersion}, this library reads {FormatVersion}.");
        if (state.Source is null) throw new InvalidDataException($"{stateFile}: missing 'Source' (the data-order state).");
        string bestFile = System.IO.Path.Combine(dir, BestPromptFile);
        var rng = SafetensorsFile.Read(System.IO.Path.Combine(dir, RngFile));
        if (!rng.TryGetValue(TorchRngTensor, out var rngState))
            throw new InvalidDataException($"{System.IO.Path.Combine(dir, RngFile)}: missing tensor '{TorchRngTensor}'.");
        return new TrainingCheckpoint(state.Step, state.TotalSteps, state.BestScore, state.BestStep, state.Source,
            SafetensorsFile.Read(System.IO.Path.Combine(dir, PromptFile)),
            File.Exists(bestFile) ? SafetensorsFile.Read(bestFile) : null,
            SafetensorsFile.Read(System.IO.Path.Combine(dir, OptimizerFile)),
            rngState);
    }

    /// <summary>The checkpoint folder the next load reads (for messages), or null.</summary>
    public string? CheckpointLocation => CompleteCheckpointDir();

    /// <summary>Writes a prompt's PEFT tensors to <paramref name="fileName"/> in the run folder (atomically).</summary>
    public string WritePrompt(PromptEncoder prompt, string fileName = PromptFile)
    {
        string file = Combine(fileName);
        var tensors = prompt.PeftTensors();
        try { SafetensorsFile.Write(file, tensors); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
        return file;
    }

    /// <summary>Writes an object as indented JSON to <paramref name="fileName"/> in the run folder (atomically).</summary>
    public string WriteJson<T>(string fileName, T value)
    {
        string file = Combine(fileName);
        WriteTextAtomic(file, JsonSerializer.Serialize(value, Json));
        return file;
    }

    /// <summary>
    /// Completes a checkpoint swap a kill interrupted. Killed between the two renames of <see cref="SaveCheckpoint"/>, a
    /// folder has only <c>checkpoint.old/</c> complete: it becomes <c>checkpoint/</c> again (otherwise the next save, which
    /// deletes <c>checkpoint.old/</c> before its renames, would pass a moment with no complete checkpoint). Killed after
    /// them, it has a complete <c>checkpoint/</c> and a stale <c>checkpoint.old/</c>, which is deleted (the last checkpoint
    /// of a run is never followed by another save that would). Called by the writer's entry points only.
    /// </summary>
    private void FinishInterruptedSwap()
    {
        string current = Combine(CheckpointDir), old = Combine(CheckpointDir + ".old");
        if (!Directory.Exists(old)) return;
        if (File.Exists(System.IO.Path.Combine(current, TrainerStateFile))) Directory.Delete(old, recursive: true);
        else if (!Directory.Exists(current) && File.Exists(System.IO.Path.Combine(old, TrainerStateFile))) Directory.Move(old, current);
    }

    private string? CompleteCheckpointDir()
    {
        foreach (string name in new[] { CheckpointDir, CheckpointDir + ".old" })
        {
            string dir = Combine(name);
            if (File.Exists(System.IO.Path.Combine(dir, TrainerStateFile))) return dir;
        }
        return null;
    }

    private static void WriteTextAtomic(string file, string text) => AtomicFile.WriteAllText(file, text);

    /// <summary>The JSON manifest of a checkpoint.</summary>
    private sealed record TrainerState(int FormatVersion, long Step, long TotalSteps, double? BestScore, long? BestStep, BatchSourceState? Source);
}
