namespace Mpt.Encoder;

/// <summary>One tokenized input of an encoder: ids with special tokens, and the segment of each id.</summary>
/// <param name="InputIds">Token ids, special tokens included (<c>[CLS] a [SEP]</c> or <c>[CLS] a [SEP] b [SEP]</c>).</param>
/// <param name="TokenTypeIds">0 for <c>[CLS]</c>, the first text and its <c>[SEP]</c>; 1 for the second text and its <c>[SEP]</c>.</param>
public sealed record EncoderInput(IReadOnlyList<long> InputIds, IReadOnlyList<long> TokenTypeIds);

/// <summary>
/// Text → ids for an encoder backbone, the way Hugging Face's <c>tokenizer(text, text_pair, truncation=True,
/// max_length=n)</c> does for BERT: a single text, or a pair joined with separators and told apart by token types.
/// </summary>
public interface IEncoderTokenizer
{
    /// <summary>Id used to right-pad batches (<c>[PAD]</c>).</summary>
    long PadTokenId { get; }

    /// <summary>Number of ids in the vocabulary.</summary>
    int VocabularySize { get; }

    /// <summary>
    /// Tokenizes <paramref name="text"/> (and <paramref name="textPair"/> when given) into at most
    /// <paramref name="maxLength"/> ids, special tokens included; over-long inputs are cut "longest first": one token at
    /// a time from the end of the currently longer text (from the second text on a tie), as HF does.
    /// </summary>
    EncoderInput Encode(string text, string? textPair = null, int maxLength = 512);
}
