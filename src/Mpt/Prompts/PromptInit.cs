using Mpt.Numerics;
using Mpt.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Prompts;

/// <summary>
/// Initial values for a prompt matrix [l, d]: the plain prompt-tuning prompt, an MPT teacher, or MPT's shared prompt P*.
/// Every function returns a fresh float32 CPU tensor that the caller owns.
/// </summary>
public static class PromptInit
{
    /// <summary>ATTEMPT draws its vocabulary-init ids from the first 5000 ids (modeling_t5.py L1759-1764).</summary>
    public const int DefaultVocabularyPool = 5000;

    /// <summary>
    /// Rows are embeddings of randomly drawn vocabulary ids, as the paper initialises teachers and P* ("randomly sampling
    /// tokens from T5's vocabulary", following Lester et al. 2021; docs/method.md §2.3). Ids are the first l entries of a seeded
    /// random permutation of the first <paramref name="pool"/> ids, ATTEMPT's recipe, so ids are distinct.
    /// </summary>
    /// <param name="embeddings">The backbone's token embedding matrix [V, d] (T5 <c>shared.weight</c>); not modified.</param>
    /// <param name="numVirtualTokens">l.</param>
    /// <param name="seed">Seed of the permutation (torch CPU generator, so the same seed gives the same ids).</param>
    /// <param name="pool">Sample from ids 0 .. min(pool, V)-1.</param>
    public static Tensor SampledVocabulary(Tensor embeddings, int numVirtualTokens, ulong seed, int pool = DefaultVocabularyPool)
    {
        CheckEmbeddings(embeddings);
        if (numVirtualTokens <= 0) throw new ArgumentOutOfRangeException(nameof(numVirtualTokens), "the prompt needs at least one token.");
        if (pool <= 0) throw new ArgumentOutOfRangeException(nameof(pool), "the id pool must be positive.");
        long poolSize = Math.Min(pool, embeddings.shape[0]);
        if (numVirtualTokens > poolSize)
            throw new ArgumentException($"cannot draw {numVirtualTokens} distinct ids from a pool of {poolSize} vocabulary ids.", nameof(numVirtualTokens));
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator(seed);
        var ids = torch.randperm(poolSize, generator: generator).narrow(0, 0, numVirtualTokens);
        return Rows(embeddings, ids).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Text init (PEFT <c>TEXT</c>): the embedding rows of the given token ids; when there are fewer than l ids the list is
    /// repeated, when there are more it is trimmed to l — PEFT's <c>PromptEmbedding</c> rule
    /// (<c>init_token_ids * ceil(l / n)</c>, then <c>[:l]</c>).
    /// </summary>
    /// <param name="embeddings">Token embedding matrix [V, d].</param>
    /// <param name="tokenIds">Ids of the tokenised init text (tokenisation is the caller's job).</param>
    /// <param name="numVirtualTokens">l.</param>
    public static Tensor Text(Tensor embeddings, IReadOnlyList<long> tokenIds, int numVirtualTokens)
    {
        CheckEmbeddings(embeddings);
        if (tokenIds.Count == 0) throw new ArgumentException("text init needs at least one token id.", nameof(tokenIds));
        if (numVirtualTokens <= 0) throw new ArgumentOutOfRangeException(nameof(numVirtualTokens), "the prompt needs at least one token.");
        long vocab = embeddings.shape[0];
        var bad = tokenIds.Where(id => id < 0 || id >= vocab).ToList();
        if (bad.Count > 0) throw new ArgumentOutOfRangeException(nameof(tokenIds), $"token ids {string.Join(", ", bad)} are outside the vocabulary [0, {vocab - 1}].");
        var ids = Enumerable.Range(0, numVirtualTokens).Select(i => tokenIds[i % tokenIds.Count]).ToArray();
        using var scope = torch.NewDisposeScope();
        return Rows(embeddings, torch.tensor(ids, ScalarType.Int64)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Uniform random values in [-range, range] (Lester et al. 2021's random-uniform baseline uses range 0.5).
    /// </summary>
    public static Tensor Uniform(int numVirtualTokens, int tokenDim, ulong seed, double range = 0.5)
    {
        if (numVirtualTokens <= 0 || tokenDim <= 0) throw new ArgumentOutOfRangeException(nameof(numVirtualTokens), $"prompt shape [{numVirtualTokens}, {tokenDim}] must be positive.");
        if (!(range > 0)) throw new ArgumentOutOfRangeException(nameof(range), $"range must be positive, got {range}.");
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator(seed);
        var u = torch.rand([numVirtualTokens, tokenDim], ScalarType.Float32, generator: generator);
        return u.Times(2 * range).Minus(range).MoveToOuterDisposeScope();
    }

    /// <summary>A copy of a given prompt matrix, checked to be 2-D [l, d] and converted to float32.</summary>
    public static Tensor FromTensor(Tensor prompt, string source = "prompt tensor")
    {
        if (prompt.dim() != 2)
            throw new ArgumentException($"{source}: a prompt must be [l, d], got shape [{string.Join(",", prompt.shape)}].", nameof(prompt));
        if (!prompt.is_floating_point())
            throw new ArgumentException($"{source}: a prompt must be floating point, got {prompt.dtype}.", nameof(prompt));
        // The detached view and the converted tensor are handles of their own: a scope frees them, so only the copy lives on.
        using var scope = torch.NewDisposeScope();
        return prompt.detach().to(ScalarType.Float32, torch.CPU).clone().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Reads a prompt matrix from a safetensors file (e.g. a trained teacher's <c>adapter_model.safetensors</c>).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="tensorName">The tensor to take; PEFT stores prompts as <c>prompt_embeddings</c>.</param>
    public static Tensor FromSafetensors(string path, string tensorName = PeftPromptTensorNames.PromptEmbeddings)
    {
        var tensors = SafetensorsFile.Read(path);
        try
        {
            if (!tensors.TryGetValue(tensorName, out var t))
                throw new InvalidDataException($"{path}: no tensor '{tensorName}' (has: {string.Join(", ", tensors.Keys.Order(StringComparer.Ordinal))}).");
            return FromTensor(t, $"{path}: '{tensorName}'");
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static Tensor Rows(Tensor embeddings, Tensor ids) =>
        embeddings.detach().to(torch.CPU).index_select(0, ids).to(ScalarType.Float32).clone();

    private static void CheckEmbeddings(Tensor embeddings)
    {
        if (embeddings.dim() != 2)
            throw new ArgumentException($"the embedding matrix must be [V, d], got shape [{string.Join(",", embeddings.shape)}].", nameof(embeddings));
    }
}
