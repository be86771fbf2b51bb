namespace Mpt.Tasks;

/// <summary>
/// A registry of tasks by name, filled explicitly (no static-constructor or import side effects, unlike seqio's
/// global registry). <see cref="CreateDefault"/> holds every built-in task; user tasks are added with
/// <see cref="Register"/>.
/// </summary>
public sealed class TaskCatalog
{
    private readonly Dictionary<string, TaskDefinition> _byName = new(StringComparer.Ordinal);
    private readonly List<TaskDefinition> _ordered = [];

    /// <summary>A catalogue with every built-in task (<see cref="BuiltInTasks"/>).</summary>
    public static TaskCatalog CreateDefault()
    {
        var catalog = new TaskCatalog();
        foreach (TaskDefinition task in BuiltInTasks.All()) catalog.Register(task);
        return catalog;
    }

    /// <summary>Every registered task, in registration order.</summary>
    public IReadOnlyList<TaskDefinition> Tasks => _ordered;

    /// <summary>The registered names, in registration order.</summary>
    public IEnumerable<string> Names => _ordered.Select(t => t.Name);

    /// <summary>Adds a task.</summary>
    /// <exception cref="ArgumentException">A task with the same name is already registered.</exception>
    public void Register(TaskDefinition task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (string.IsNullOrWhiteSpace(task.Name))
            throw new ArgumentException("A task needs a non-empty name.", nameof(task));
        if (!_byName.TryAdd(task.Name, task))
            throw new ArgumentException($"A task named '{task.Name}' is already registered.", nameof(task));
        _ordered.Add(task);
    }

    /// <summary>True when a task with this exact name is registered.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The task named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such task; the message suggests the closest registered name.</exception>
    public TaskDefinition Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out TaskDefinition? task)) return task;
        string? closest = ClosestName(name);
        throw new KeyNotFoundException(closest is null
            ? $"Unknown task '{name}': the catalogue is empty."
            : $"Unknown task '{name}'. Did you mean '{closest}'? Known tasks: {string.Join(", ", Names)}.");
    }

    /// <summary>The registered name with the smallest edit distance to <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? ClosestName(string name) =>
        _ordered.Select(t => t.Name)
            .OrderBy(n => EditDistance(n.ToLowerInvariant(), name.ToLowerInvariant()))
            .FirstOrDefault();

    /// <summary>Levenshtein distance (insertions, deletions, substitutions cost 1).</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
