using static TorchSharp.torch;

namespace Mpt.Encoder;

/// <summary>
/// A Hugging Face BERT-family folder loaded as a whole — e.g. a downloaded <c>bert-base-uncased</c> or
/// <c>sentence-transformers/all-MiniLM-L6-v2</c>: the encoder (<see cref="BertHfWeights.Load"/>), its tokenizer
/// (<see cref="WordPieceTokenizer.FromHfFolder"/>), and the check that the two belong together.
/// </summary>
public sealed class BertFolder : IDisposable
{
    private BertFolder(string path, BertModel model, WordPieceTokenizer tokenizer, BertHfWeightsReport weights)
    {
        Path = path;
        Model = model;
        Tokenizer = tokenizer;
        Weights = weights;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>The encoder, in evaluation mode (owned: disposed with this object).</summary>
    public BertModel Model { get; }

    /// <summary>Its WordPiece tokenizer.</summary>
    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>What was read from the weight file and what was ignored (head tensors, buffers) or renamed.</summary>
    public BertHfWeightsReport Weights { get; }

    /// <summary>
    /// Loads the tokenizer first (cheap, and a missing vocab.txt should not wait for the weights), then the model, and
    /// requires vocab.txt to have exactly <c>vocab_size</c> lines: more would produce ids outside the embedding table,
    /// fewer means the vocabulary is not the one the model was trained with.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">config.json, vocab.txt or every weight file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, the weights do not fit the config, or the vocabulary
    /// does not fit the model; the message names the file and key.</exception>
    public static BertFolder Load(string path, ScalarType dtype = ScalarType.Float32)
    {
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"{path}: BERT model folder not found.");
        var tokenizer = WordPieceTokenizer.FromHfFolder(path);
        string configPath = System.IO.Path.Combine(path, "config.json");
        var config = BertConfig.FromHfConfigFile(configPath);
        Tokenization.TokenizerModelPairing.Check(tokenizer.VocabularySize, System.IO.Path.Combine(path, "vocab.txt"), config.VocabSize, configPath, exact: true);
        var (model, report) = BertHfWeights.Load(path, dtype);
        return new BertFolder(path, model, tokenizer, report);
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();
}
