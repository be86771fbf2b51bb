using Mpt.Prompts;

namespace Mpt.Peft;

/// <summary>A prompt adapter read from disk by <see cref="PeftAdapter.Load(string, PeftLoadOptions?)"/>.</summary>
/// <param name="Folder">The adapter folder.</param>
/// <param name="Config">Its <c>adapter_config.json</c> (with submodules 1 when the encoder half of a two-submodule adapter was taken).</param>
/// <param name="Encoder">A <see cref="SoftPrompt"/> for PROMPT_TUNING, a <see cref="MultitaskPrompt"/> for
/// MULTITASK_PROMPT_TUNING; owned by the caller (dispose it).</param>
/// <param name="TrainedFor">The model recorded in <c>mpt_model.json</c>, or null (adapters written by PEFT have none).</param>
public sealed record LoadedPeftAdapter(string Folder, PeftAdapterConfig Config, PromptEncoder Encoder, ModelFingerprint? TrainedFor);
