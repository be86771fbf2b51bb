using Microsoft.ML.Tokenizers;

namespace Mpt.Encoder;

/// <summary>
/// BERT WordPiece tokenization of a <c>vocab.txt</c> (one token per line, id = line number) through
/// Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/>, configured like the uncased HF <c>BertTokenizerFast</c> of
/// all-MiniLM-L6-v2 (<c>do_lower_case</c>, accents stripped since <c>strip_accents</c> follows lower-casing — done by
/// <see cref="AccentStripper"/>, see there why — CJK
/// characters split, punctuation split). This class adds what <see cref="IEncoderTokenizer"/> promises on top: pair
/// layout <c>[CLS] a [SEP] b [SEP]</c> with token types and HF's longest-first truncation.
/// </summary>
public sealed class WordPieceTokenizer : IEncoderTokenizer
{
    private readonly BertTokenizer _tokenizer;

    private WordPieceTokenizer(BertTokenizer tokenizer, int vocabularySize)
    {
        _tokenizer = tokenizer;
        VocabularySize = vocabularySize;
    }

    /// <summary>Loads an uncased WordPiece vocabulary file (e.g. <see cref="MiniLMFiles.VocabPath"/>).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The vocabulary lacks one of the special tokens BERT needs.</exception>
    public static WordPieceTokenizer FromVocabFile(string vocabPath)
    {
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"WordPiece vocabulary not found: {vocabPath}", vocabPath);
        var lines = File.ReadAllLines(vocabPath);
        foreach (string special in new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" })
            if (!lines.Contains(special))
                throw new InvalidDataException($"{vocabPath}: the vocabulary has no '{special}' line, which BERT tokenization needs.");
        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = true,
            RemoveNonSpacingMarks = true,
            ApplyBasicTokenization = true,
            IndividuallyTokenizeCjk = true,
            SplitOnSpecialTokens = true,
        };
        return new WordPieceTokenizer(BertTokenizer.Create(vocabPath, options), lines.Length);
    }

    /// <inheritdoc/>
    public long PadTokenId => _tokenizer.PaddingTokenId;

    /// <summary>Id of <c>[CLS]</c>.</summary>
    public long ClsTokenId => _tokenizer.ClassificationTokenId;

    /// <summary>Id of <c>[SEP]</c>.</summary>
    public long SepTokenId => _tokenizer.SeparatorTokenId;

    /// <inheritdoc/>
    public int VocabularySize { get; }

    /// <summary>WordPiece ids of <paramref name="text"/> without special tokens or truncation.</summary>
    /// <remarks>
    /// Accents are stripped by <see cref="AccentStripper"/> before the library sees the text: its own stripping calls
    /// <c>string.Normalize</c>, a no-op under the solution's <c>InvariantGlobalization</c>.
    /// </remarks>
    public IReadOnlyList<int> Tokenize(string text) => _tokenizer.EncodeToIds(AccentStripper.Strip(text), addSpecialTokens: false);

    /// <inheritdoc/>
    public EncoderInput Encode(string text, string? textPair = null, int maxLength = 512)
    {
        int specials = textPair is null ? 2 : 3;
        if (maxLength < specials)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"maxLength must leave room for the {specials} special tokens.");
        var first = Tokenize(text);
        var second = textPair is null ? [] : Tokenize(textPair);

        // HF truncation_strategy "longest_first": drop one token at a time from the longer text; on a tie from the second.
        int keepFirst = first.Count, keepSecond = second.Count;
        while (keepFirst + keepSecond > maxLength - specials)
        {
            if (keepFirst > keepSecond) keepFirst--;
            else keepSecond--;
        }

        var ids = new List<long>(keepFirst + keepSecond + specials) { ClsTokenId };
        for (int i = 0; i < keepFirst; i++) ids.Add(first[i]);
        ids.Add(SepTokenId);
        var types = Enumerable.Repeat(0L, ids.Count).ToList();
        if (textPair is not null)
        {
            for (int i = 0; i < keepSecond; i++) ids.Add(second[i]);
            ids.Add(SepTokenId);
            types.AddRange(Enumerable.Repeat(1L, keepSecond + 1));
        }
        return new EncoderInput(ids, types);
    }
}
