using System.CommandLine;

namespace Mpt.Cli;

/// <summary>"Did you mean ...?" for unknown verbs and flags, by edit distance to the valid names at that point.</summary>
public static class Suggestions
{
    /// <summary>A hint naming the closest valid verb or option for the first unknown token, or null.</summary>
    public static string? ForUnknownTokens(RootCommand root, ParseResult parse)
    {
        foreach (string token in parse.UnmatchedTokens)
        {
            Command scope = parse.CommandResult.Command;
            var candidates = token.StartsWith('-')
                ? scope.Options.Concat(root.Options.Where(o => o.Recursive)).SelectMany(o => o.Aliases.Prepend(o.Name))
                : scope.Subcommands.Select(c => c.Name);
            string? best = Closest(token, candidates);
            if (best is not null) return $"Did you mean '{best}'?";
        }
        return null;
    }

    /// <summary>The candidate nearest to <paramref name="word"/> within a distance of max(2, len/3), or null.</summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string c in candidates.Distinct())
        {
            int d = EditDistance(word.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return best is not null && bestDistance <= Math.Max(2, word.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance.</summary>
    public static int EditDistance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
