namespace Mpt.Tests.Fuzz;

/// <summary>
/// One parser under fuzzing: the file (or folder) it reads, how to call it, which exception types are its documented
/// rejections, and the valid seed inputs the mutations start from.
/// </summary>
/// <param name="Name">Short name, used as the test case and in the campaign report.</param>
/// <param name="FileName">The name the input is written under (parsers dispatch on extensions and fixed names).</param>
/// <param name="Seeds">Valid inputs; every mutation starts from one of them.</param>
/// <param name="Parse">Reads the input (receives the path of the written file) and returns the bytes of tensor data
/// it materialised from it, 0 for parsers that build no tensors; the caller disposes nothing, the callback does.</param>
/// <param name="Rejections">The exception types a malformed input may raise (exact types, not subclasses).</param>
/// <param name="Frame">Turns a mutated payload into the file to write (e.g. wraps a mutated pickle in a zip, or a
/// mutated safetensors header in a correct length prefix), so mutations reach past the outer layer. Null = as is.</param>
/// <param name="PrepareFolder">Writes the valid companion files of a folder parser (e.g. spiece.model next to a mutated
/// tokenizer_config.json), once per campaign.</param>
/// <param name="NamesFolder">True when a rejection may name the folder instead of the file (folder-level parsers).</param>
/// <param name="TensorBytesPerFileByte">Tensor bytes one file byte may legitimately become: 1 for uncompressed formats,
/// the deflate limit for zip archives (<see cref="Mpt.Checkpoints.PyTorchCheckpointFile.MaxDeflateRatio"/>).</param>
internal sealed record FuzzTarget(
    string Name,
    string FileName,
    IReadOnlyList<byte[]> Seeds,
    Func<string, long> Parse,
    IReadOnlyList<Type> Rejections,
    Func<byte[], byte[]>? Frame = null,
    Action<string>? PrepareFolder = null,
    bool NamesFolder = false,
    long TensorBytesPerFileByte = 1)
{
    public override string ToString() => Name;
}
