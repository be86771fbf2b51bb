using Mpt.Model;

namespace Mpt.Tokenization;

/// <summary>
/// The one check that a tokenizer belongs to a model, made wherever the two are loaded together (the pipeline, the
/// evaluate / predict / info verbs, the evaluator, BERT folders, the embedded MiniLM). Every id the tokenizer can produce
/// indexes a row of the model's token embedding table, so a T5 tokenizer may have fewer ids than the table has rows
/// (t5-base: 32,100 ids, 32,128 rows; HF pads the table to a multiple of 128) but never more: an id past the table
/// would fail inside libtorch's <c>index_select</c> in the middle of training or evaluation. A WordPiece vocab.txt
/// lists one token per row, so there the sizes must be equal.
/// </summary>
public static class TokenizerModelPairing
{
    /// <summary>
    /// Checks that <paramref name="tokenizerIds"/> ids fit <paramref name="embeddingRows"/> embedding rows; with
    /// <paramref name="exact"/> (WordPiece: vocab.txt lists one token per row) they must be equal.
    /// </summary>
    /// <param name="tokenizerIds">Ids the tokenizer can produce (its largest id + 1).</param>
    /// <param name="tokenizerFile">The tokenizer's file (spiece.model, vocab.txt), for the message.</param>
    /// <param name="embeddingRows">Rows of the model's token embedding table (its config's <c>vocab_size</c>).</param>
    /// <param name="modelFile">The file that sets the model's vocabulary (config.json), for the message.</param>
    /// <param name="exact">Also refuse a tokenizer with fewer ids than rows (it is not the model's vocabulary).</param>
    /// <exception cref="InvalidDataException">The tokenizer does not fit; the message names both files and both sizes.</exception>
    public static void Check(int tokenizerIds, string tokenizerFile, long embeddingRows, string modelFile, bool exact = false)
    {
        if (tokenizerIds == embeddingRows || (tokenizerIds < embeddingRows && !exact)) return;
        string sizes = $"the tokenizer {tokenizerFile} has {tokenizerIds} token ids but the model {modelFile} has a vocabulary of {embeddingRows} (vocab_size)";
        throw new InvalidDataException(tokenizerIds > embeddingRows
            ? $"{sizes}: ids {embeddingRows}..{tokenizerIds - 1} have no embedding, so the two do not belong together. " +
              "Use the tokenizer the model was trained with (model.tokenizer, --tokenizer)."
            : $"{sizes}: its vocabulary lists one token per embedding row, so a shorter one is not the vocabulary the model was trained with.");
    }

    /// <summary>
    /// Checks a T5 tokenizer against a T5 config: the vocabulary (see <see cref="Check(int, string, long, string, bool)"/>) and
    /// the pad and eos ids, which generation and label shifting take from the config and the data from the tokenizer.
    /// </summary>
    /// <param name="tokenizer">The tokenizer (its <see cref="T5Tokenizer.SourceFile"/> is named in the message).</param>
    /// <param name="config">The model's config.</param>
    /// <param name="configFile">Where the config was read from (config.json), or a description of the model.</param>
    /// <exception cref="InvalidDataException">They do not belong together; the message names both files.</exception>
    public static void Check(T5Tokenizer tokenizer, T5Config config, string configFile)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(config);
        Check(tokenizer.VocabSize, tokenizer.SourceFile, config.VocabSize, configFile);
        if (tokenizer.PadId != config.PadTokenId || tokenizer.EosId != config.EosTokenId)
            throw new InvalidDataException(
                $"the tokenizer {tokenizer.SourceFile} has pad/eos ids {tokenizer.PadId}/{tokenizer.EosId} but the model {configFile} " +
                $"has {config.PadTokenId}/{config.EosTokenId} (pad_token_id/eos_token_id): the two do not belong together.");
    }
}
