using Mpt.Backbones;
using Mpt.Peft;
using Mpt.Prompts;
using Mpt.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Serving;

/// <summary>
/// The tasks a server answers: task name → prompt, labels and the task definition the backbone scores it with. Prompts
/// are loaded as <c>mpt predict</c> loads them (<see cref="PromptLoading"/>: a PEFT adapter is checked against the
/// backbone's fingerprint and refused when it was saved for other weights) and every task is checked against the
/// backbone (<see cref="IRunBackbone.EnsureSupports"/>: an encoder needs labels). Filled before serving starts, then
/// frozen by the <see cref="BatchingPredictor"/> built on it. Owns the loaded prompts.
/// </summary>
/// <remarks>
/// A source is given as <c>PATH</c> or <c>NAME=PATH</c>:
/// <list type="bullet">
/// <item>a run folder (it has <c>adapt/</c>): every target prompt, named as <see cref="RunFolderPrompts"/> says (no NAME);</item>
/// <item>a PEFT adapter folder, or a pipeline run folder of one prompt (<c>adapt/TARGET/METHOD/seed-S</c>): named NAME,
/// else the task of its <c>mpt_task.json</c> (written by <see cref="PromptedModel.Save"/>), else TARGET/METHOD/seed-S when
/// it sits in a run's <c>adapt/</c> folder;</item>
/// <item>an Mpt prompt file (<c>.safetensors</c>): named NAME, else the file's name without extension. A prompt file
/// records no model, so only its width is checked (as for <c>mpt predict --prompt FILE</c>).</item>
/// </list>
/// The task definition is the one in <c>mpt_task.json</c> when the adapter has one, else the catalog's task of that
/// name (the built-in tasks plus the user's task files): for a name with slashes, its first segment.
/// </remarks>
public sealed class PromptRegistry : IDisposable
{
    private readonly IRunBackbone _backbone;
    private readonly TaskCatalog _catalog;
    private readonly List<ServedTask> _tasks = [];
    private readonly Dictionary<string, ServedTask> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SharedPrompt> _shared = new(StringComparer.Ordinal);
    private bool _frozen;
    private bool _disposed;

    /// <summary>A registry for prompts of <paramref name="backbone"/>, with task definitions from <paramref name="catalog"/>.</summary>
    public PromptRegistry(IRunBackbone backbone, TaskCatalog catalog)
    {
        _backbone = backbone ?? throw new ArgumentNullException(nameof(backbone));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
    }

    /// <summary>The backbone the prompts were checked against.</summary>
    public IRunBackbone Backbone => _backbone;

    /// <summary>The registered tasks, in registration order (aliases not repeated).</summary>
    public IReadOnlyList<ServedTask> Tasks => _tasks;

    /// <summary>The task a request names (a full name or an alias), or null.</summary>
    public ServedTask? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Registers the prompt(s) of <paramref name="source"/> (<c>PATH</c> or <c>NAME=PATH</c>, see the remarks); returns them.</summary>
    /// <exception cref="FileNotFoundException">PATH does not exist.</exception>
    /// <exception cref="ArgumentException">The name is missing, taken, or not a usable URL segment, or NAME was given for a run folder.</exception>
    /// <exception cref="ModelMismatchException">An adapter was saved for another model.</exception>
    /// <exception cref="Pipeline.ConfigException">The task is unknown to the catalog, or the backbone cannot run it.</exception>
    public IReadOnlyList<ServedTask> Add(string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        string? name = null;
        string path = source;
        int eq = source.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0 && !File.Exists(source) && !Directory.Exists(source))
        {
            name = source[..eq];
            path = source[(eq + 1)..];
        }
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"prompt source '{path}' does not exist (give a run folder, a PEFT adapter folder or a prompt file, optionally as NAME=PATH).", path);
        if (RunFolderPrompts.IsRunFolder(path))
        {
            if (name is not null)
                throw new ArgumentException($"'{source}': a run folder serves every target prompt under its own name (TARGET/METHOD/seed-S); give the run folder without NAME=, or NAME=ADAPTER_FOLDER for one prompt.");
            var entries = RunFolderPrompts.Find(path);
            var added = entries.Select(e => Add(e.Name, e.AdapterFolder, e.Target)).ToList();
            foreach (var (alias, target) in RunFolderPrompts.Aliases(entries))
                if (!_byName.ContainsKey(alias))
                {
                    var task = _byName[target];
                    _byName[alias] = task;
                    task.AddAlias(alias);
                }
            return added;
        }
        return [Add(name, path, null)];
    }

    /// <summary>Registers one prompt under <paramref name="name"/> (null: named as the remarks say).</summary>
    private ServedTask Add(string? name, string path, string? catalogTask)
    {
        ThrowIfFrozen();
        var task = Load(name, path, catalogTask, fallback: null);
        if (_byName.TryGetValue(task.Name, out var other))
        {
            Release(task);
            throw new ArgumentException($"task name '{task.Name}' is given twice ({other.Source} and {task.Source}); name one of them with NAME=PATH.");
        }
        _tasks.Add(task);
        _byName[task.Name] = task;
        return task;
    }

    /// <summary>
    /// Loads and checks one prompt as <see cref="Add(string)"/> does, without registering it: named <paramref name="name"/>
    /// (null: as the remarks say), its definition from its <c>mpt_task.json</c>, else <paramref name="fallback"/>, else the
    /// catalog's task <paramref name="catalogTask"/> or the name's first segment.
    /// </summary>
    internal ServedTask Load(string? name, string path, string? catalogTask, TaskDefinition? fallback)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        string full = Path.GetFullPath(path);
        PromptTask? sidecar = Directory.Exists(path) ? PromptTaskFile.Read(PromptLoading.AdapterFolderOf(path)) : null;
        name ??= sidecar?.Task ?? NameFromRunLayout(full) ?? (File.Exists(path) ? Path.GetFileNameWithoutExtension(path) : null)
            ?? throw new ArgumentException($"'{path}' records no task name (no {PromptTaskFile.FileName}); serve it as NAME=PATH, NAME being a task of the catalog or of --task-file.");
        CheckName(name, path);
        TaskDefinition definition;
        if (sidecar is not null)
        {
            // The family only: the fingerprint check of PromptLoading tells the weights apart (minilm and a BERT folder of it are one model).
            if ((sidecar.Backbone == "t5") != (_backbone is T5RunBackbone))
                throw new ModelMismatchException($"{path}: the prompt was saved for a {sidecar.Backbone} model, not for the {_backbone.Kind} '{_backbone.Name}'.", overridable: false);
            definition = sidecar.Definition();
        }
        else if (fallback is not null) definition = fallback;
        else
        {
            string taskName = catalogTask ?? name.Split('/')[0];
            if (!_catalog.Contains(taskName))
                throw new Pipeline.ConfigException($"'{path}' is served as task '{name}', but '{taskName}' is neither a built-in task nor one of --task-file's, so its labels are unknown"
                    + (_catalog.ClosestName(taskName) is { } close ? $" (did you mean '{close}'?)" : "") + "; give the task file it was trained with.");
            definition = _catalog.Get(taskName);
        }
        _backbone.EnsureSupports(definition);
        var prompt = PromptLoading.Load(Directory.Exists(path) ? PromptLoading.AdapterFolderOf(path) : path, _backbone.Fingerprint, allowMismatch: false);
        var task = Checked(name, definition, full, prompt, path);
        // Inputs are written as the prompt saw them in training (mpt_task.json's input_prefix), as mpt predict writes them.
        task.InputPrefix = sidecar?.InputPrefix;
        return task;
    }

    /// <summary>
    /// Puts <paramref name="task"/> in place of the task <paramref name="name"/> resolves to (keeping its position, name
    /// and aliases; returns the old one, whose prompt the caller frees when nothing uses it), or adds it when no task has that name.
    /// </summary>
    internal ServedTask? Replace(string name, ServedTask task)
    {
        if (!_byName.TryGetValue(name, out var old))
        {
            // A new task, or one put back after a failed removal: under its name and any aliases it had.
            _tasks.Add(task);
            _byName[task.Name] = task;
            foreach (string alias in task.Aliases) _byName[alias] = task;
            return null;
        }
        _tasks[_tasks.IndexOf(old)] = task;
        foreach (string alias in old.Aliases) task.AddAlias(alias);
        foreach (string key in _byName.Where(p => ReferenceEquals(p.Value, old)).Select(p => p.Key).ToList()) _byName[key] = task;
        return old;
    }

    /// <summary>Takes out the task <paramref name="name"/> resolves to, with its aliases; returns it (the caller frees its prompt), or null.</summary>
    internal ServedTask? Remove(string name)
    {
        if (!_byName.TryGetValue(name, out var task)) return null;
        _tasks.Remove(task);
        foreach (string key in _byName.Where(p => ReferenceEquals(p.Value, task)).Select(p => p.Key).ToList()) _byName.Remove(key);
        return task;
    }

    /// <summary>Frees <paramref name="task"/>'s prompt (its u, v, and its P* when no other task shares it). Once the task is out of every table.</summary>
    internal void Release(ServedTask task)
    {
        if (task.Factors is not { } factors)
        {
            task.Prompt.Dispose();
            return;
        }
        factors.Cols.Dispose();
        factors.Rows.Dispose();
        if (--factors.Shared.Users == 0)
        {
            _shared.Remove(factors.Shared.Key);
            factors.Shared.Module.Dispose();
        }
    }

    /// <summary>Distinct MPT shared prompts P* held (each once, whatever the number of tasks using it).</summary>
    internal int SharedPromptCount => _shared.Count;

    /// <summary>Every name and alias → its task.</summary>
    internal IReadOnlyDictionary<string, ServedTask> Names => _byName;

    /// <summary>
    /// Registers a prompt already in memory (e.g. one task of a multitask prompt, or one built by the caller) under
    /// <paramref name="name"/>; the registry owns it from now on (it is disposed also when refused).
    /// </summary>
    /// <param name="name">The task name requests use.</param>
    /// <param name="definition">The task: its labels and label descriptions.</param>
    /// <param name="prompt">A single-task prompt of the backbone's width.</param>
    /// <exception cref="ArgumentException">The name is taken or unusable, the prompt is multitask or of another width.</exception>
    /// <exception cref="Pipeline.ConfigException">The backbone cannot run the task (an encoder needs labels).</exception>
    public ServedTask Add(string name, TaskDefinition definition, PromptEncoder prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        try
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(definition);
            ThrowIfFrozen();
            CheckName(name, name);
            if (_byName.TryGetValue(name, out var other))
                throw new ArgumentException($"task name '{name}' is given twice ({other.Source} and in memory).");
            _backbone.EnsureSupports(definition);
            int width = _backbone.Fingerprint.Architecture.DModel;
            if (prompt.TokenDim != width)
                throw new ArgumentException($"prompt '{name}' has width {prompt.TokenDim}, the model's hidden size is {width}: it was made for another model.", nameof(prompt));
        }
        catch
        {
            prompt.Dispose();
            throw;
        }
        var task = Checked(name, definition, $"(in memory) {name}", prompt, name);
        _tasks.Add(task);
        _byName[name] = task;
        return task;
    }

    /// <summary>
    /// A served task of a loaded single-task prompt (the prompt is disposed when refused). An MPT prompt keeps only its
    /// u_k, v_k; its P* is held once for every task with the same P* values (<see cref="SharedPrompt"/>), and the module
    /// is disposed when an earlier task already holds that P*.
    /// </summary>
    private ServedTask Checked(string name, TaskDefinition definition, string source, PromptEncoder prompt, string shownAs)
    {
        try
        {
            if (prompt.NumTasks != 1)
                throw new ArgumentException($"{shownAs} holds a multitask prompt of {prompt.NumTasks} tasks; serve one task's prompt: `mpt export --prompt {shownAs} --task-id K --out DIR` writes it as an adapter.");
            if (prompt is not MultitaskPrompt mpt) return new ServedTask(name, definition, source, prompt);
            string key = SharedPrompt.KeyOf(mpt);
            Tensor cols, rows;
            using (torch.no_grad())
            {
                // Owned by the task from now on, not by whatever dispose scope the caller runs in.
                cols = mpt.TaskCols.detach().clone().DetachFromDisposeScope();
                rows = mpt.TaskRows.detach().clone().DetachFromDisposeScope();
            }
            if (_shared.TryGetValue(key, out var shared)) prompt.Dispose();
            else _shared[key] = shared = new SharedPrompt(key, mpt);
            shared.Users++;
            return new ServedTask(name, definition, source, shared.Module, new PromptFactors(shared, cols, rows));
        }
        catch
        {
            prompt.Dispose();
            throw;
        }
    }

    /// <summary>No registration after serving has started (the predictor's prompt tables are built once).</summary>
    internal void Freeze() => _frozen = true;

    /// <summary>Frees every loaded prompt.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var task in _tasks) Release(task);
    }

    private void ThrowIfFrozen()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_frozen) throw new InvalidOperationException("the registry is being served; register every prompt before creating the predictor.");
    }

    private static void CheckName(string name, string path)
    {
        // The name is a path segment of the API (/v1/tasks/{task}/predict); slashes of run names are URL-encoded by clients.
        if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '?' or '#' or '%'))
            throw new ArgumentException($"'{path}': task name '{name}' must be non-empty, without spaces or the characters ? # %.");
    }

    /// <summary>TARGET/METHOD/seed-S for a folder in a run's <c>adapt/</c> tree (the seed folder or its adapter), else null.</summary>
    private static string? NameFromRunLayout(string fullPath)
    {
        var parts = Path.TrimEndingDirectorySeparator(fullPath).Split(Path.DirectorySeparatorChar);
        int end = parts[^1] == Pipeline.PipelineRunner.AdapterDir ? parts.Length - 1 : parts.Length;
        if (end < 4 || parts[end - 4] != Pipeline.PipelineRunner.AdaptDir || !parts[end - 1].StartsWith("seed-", StringComparison.Ordinal)) return null;
        return $"{parts[end - 3]}/{parts[end - 2]}/{parts[end - 1]}";
    }
}
