namespace Mpt.Serving;

/// <summary>
/// The adapter endpoints (<c>PUT</c> / <c>DELETE /v1/adapters/{task}</c>): off unless both a key and a folder are given;
/// then only requests carrying the key (<c>Authorization: Bearer KEY</c>) may load adapters, and only from inside the folder.
/// </summary>
public sealed record AdminOptions
{
    /// <summary>The key admin requests must carry; null = the adapter endpoints do not exist (404).</summary>
    public string? AdminKey { get; init; }

    /// <summary>The folder adapters may be loaded from (paths are relative to it, or absolute inside it).</summary>
    public string? AdapterDirectory { get; init; }

    /// <summary>Whether the adapter endpoints are on.</summary>
    public bool Enabled => AdminKey is not null;

    /// <summary>Checks that a key comes with a folder and the folder exists.</summary>
    /// <exception cref="ArgumentException">A key without a folder or a folder without a key, an empty key, or a missing folder.</exception>
    public void Validate()
    {
        if (AdminKey is null && AdapterDirectory is null) return;
        if (AdminKey is null) throw new ArgumentException("--adapter-dir needs --admin-key: loading adapters at run time is allowed only with a key.");
        if (AdapterDirectory is null) throw new ArgumentException("--admin-key needs --adapter-dir: the folder adapters may be loaded from.");
        if (AdminKey.Length < 16) throw new ArgumentException("--admin-key must be at least 16 characters (e.g. `openssl rand -hex 16`).");
        if (!Directory.Exists(AdapterDirectory)) throw new ArgumentException($"--adapter-dir '{AdapterDirectory}' is not a folder.");
    }
}
