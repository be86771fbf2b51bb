namespace Mpt.Training;

/// <summary>
/// Turns a list of <see cref="TrainingExample"/>s into the padded tensors of a <see cref="PromptBatch"/>. Each backbone
/// brings its own (<see cref="IPromptedModel.CreateCollator"/>): T5 pads with its pad id and keeps eos when truncating
/// (<see cref="BatchCollator"/>); a BERT classifier adds token types and one class index per row.
/// </summary>
public interface IBatchCollator
{
    /// <summary>Collates <paramref name="examples"/> into tensors allocated in the caller's dispose scope.</summary>
    PromptBatch Collate(IReadOnlyList<TrainingExample> examples);
}
