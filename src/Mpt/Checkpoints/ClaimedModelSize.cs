namespace Mpt.Checkpoints;

/// <summary>
/// Refuses a config.json that describes a larger model than the weights next to it hold, before the model is built or
/// its expected tensors are listed. A model's modules and tensors are allocated from the config's sizes, so a corrupt or
/// hostile config (num_layers = 1,000,000,000 beside a 2-layer checkpoint) would otherwise make Mpt allocate, or list,
/// a billion layers instead of reporting the mismatch. Strict loading needs every parameter the config implies to be in
/// the checkpoint, so a config whose parameter count exceeds the values stored can never load: refusing it early changes
/// only the error, never the outcome. The refusal is kept for claims far beyond the file (more than twice its values
/// plus <see cref="Slack"/>): a config that differs by a few tensors still gets the detailed listing of every missing
/// and mis-shaped tensor, which costs at most that much.
/// </summary>
internal static class ClaimedModelSize
{
    /// <summary>Parameters a config may claim beyond twice the stored values (4 MB of float32): tiny test models and
    /// near misses are compared tensor by tensor instead.</summary>
    public const double Slack = 1 << 20;

    /// <summary>Throws when <paramref name="configParameters"/> exceeds twice <paramref name="storedValues"/> plus <see cref="Slack"/>.</summary>
    /// <param name="configParameters">Parameters the config implies (a double: a corrupt config may overflow 64 bits).</param>
    /// <param name="storedValues">Values stored in the checkpoint (all tensors, any dtype).</param>
    /// <param name="configPath">The config.json, named first in the message.</param>
    /// <param name="weights">The weight file(s), for the message.</param>
    /// <exception cref="InvalidDataException">The config describes more parameters than the checkpoint holds.</exception>
    public static void Check(double configParameters, long storedValues, string configPath, string weights)
    {
        if (configParameters > 2.0 * storedValues + Slack)
            throw new InvalidDataException(
                $"{configPath}: describes a model of {configParameters:G6} parameters but {weights} holds only {storedValues} values; " +
                "the config does not belong to these weights (check num_layers, d_model, vocab_size and the other sizes).");
    }
}
