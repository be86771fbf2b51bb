namespace Mpt.Training;

/// <summary>
/// One already-tokenized training example: the encoder input ids (normally ending with eos, as the T5 tokenizer emits),
/// the target ids (the label text's ids, ending with eos) and the task it belongs to (0-based index into the prompt
/// encoder's tasks). The trainers take these so that they do not depend on any task catalogue or text format. The
/// pipeline's examples keep their ids in a <see cref="TokenIdStore"/> (2 bytes an id); any list of ids works.
/// For a classifier backbone (<see cref="Mpt.Encoder.PromptedEncoder"/>) the input is <c>[CLS] a [SEP] (b [SEP])</c>
/// with <see cref="TokenTypeIds"/>, and LabelIds is one id: the class index in the task's label set.
/// </summary>
/// <param name="InputIds">Encoder token ids.</param>
/// <param name="LabelIds">Decoder target ids (teacher forcing; the loss covers every one of them), or [class index].</param>
/// <param name="TaskId">Task index of the example (0 for single-task training).</param>
public sealed record TrainingExample(IReadOnlyList<long> InputIds, IReadOnlyList<long> LabelIds, int TaskId)
{
    /// <summary>
    /// Segment id of every input id (BERT token types), or null: for backbones without segments (T5), and for inputs whose
    /// token types are all 0 (a single text; the collators read null as 0, BERT's default, so a
    /// <see cref="TokenIdStore"/> need not hold them).
    /// </summary>
    public IReadOnlyList<long>? TokenTypeIds { get; init; }
}
