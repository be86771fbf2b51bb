using System.Diagnostics;
using CsCheck;

namespace Mpt.Tests.Fuzz;

/// <summary>
/// Runs mutated inputs through one <see cref="FuzzTarget"/> and checks the robustness property of every parser:
/// the input is either accepted, or rejected with one of the target's documented exception types whose message is one
/// line naming the file; never another exception, never longer than <see cref="TimeLimit"/>, never a managed allocation
/// above <see cref="AllocationBound"/> and never more tensor bytes than the file holds.
/// </summary>
internal sealed class FuzzRunner : IDisposable
{
    /// <summary>The per-input limit of issue 15 (each input under 5 s), on the parsing thread's CPU time. A hang guard,
    /// not a performance assertion: the inputs are a few KB and parse in microseconds. CPU time rather than wall time, so
    /// a loaded machine (CI shares its cores) cannot fail an input that parses quickly.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for a parse in wall time before calling it a hang: the CPU limit with room for a
    /// machine loaded many times over.</summary>
    public static readonly TimeSpan WallLimit = TimeSpan.FromSeconds(60);

    private readonly FuzzTarget _target;
    private readonly string _folder;
    private readonly string _path;

    public FuzzRunner(FuzzTarget target)
    {
        _target = target;
        _folder = Directory.CreateTempSubdirectory($"mpt-fuzz-{target.Name}-").FullName;
        _path = Path.Combine(_folder, target.FileName);
        target.PrepareFolder?.Invoke(_folder);
    }

    /// <summary>Inputs accepted and rejected so far.</summary>
    public long Accepted { get; private set; }

    /// <summary>Inputs rejected with a documented exception.</summary>
    public long Rejected { get; private set; }

    /// <summary>
    /// Managed bytes a parser may allocate for an input of <paramref name="length"/> bytes: a fixed allowance for the
    /// parser's own tables plus 64 bytes per input byte (a JSON DOM, strings as UTF-16, lists). A parser that trusts a
    /// claimed size (a length field, a count) allocates far more than this for a small file.
    /// </summary>
    public static long AllocationBound(long length) => (16L << 20) + 64 * length;

    /// <summary>Writes <paramref name="payload"/> (framed) and checks the property; throws a description on violation.</summary>
    public void Check(byte[] payload)
    {
        byte[] file = _target.Frame is null ? payload : _target.Frame(payload);
        File.WriteAllBytes(_path, file);
        var run = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = ThreadCpuClock.Start();
            Exception? error = null;
            long tensorBytes = 0;
            try { tensorBytes = _target.Parse(_path); }
            catch (Exception e) { error = e; }
            return (Error: error, TensorBytes: tensorBytes, Allocated: GC.GetAllocatedBytesForCurrentThread() - before, clock.Elapsed);
        });
        if (!run.Wait(WallLimit))
            throw new FuzzFailure($"{_target.Name}: no result after {WallLimit.TotalSeconds} s (hang) on a {file.Length}-byte input");
        var (error, tensors, allocated, elapsed) = run.Result;
        if (elapsed > TimeLimit)
            throw new FuzzFailure($"{_target.Name}: took {elapsed.TotalSeconds:F1} s of CPU on a {file.Length}-byte input");
        if (allocated > AllocationBound(file.Length))
            throw new FuzzFailure($"{_target.Name}: allocated {allocated} managed bytes for a {file.Length}-byte input (bound {AllocationBound(file.Length)})");
        if (tensors > file.Length * _target.TensorBytesPerFileByte)
            throw new FuzzFailure($"{_target.Name}: built {tensors} bytes of tensors from a {file.Length}-byte file");
        if (error is null)
        {
            Accepted++;
            return;
        }
        if (!_target.Rejections.Contains(error.GetType()))
            throw new FuzzFailure($"{_target.Name}: undocumented {error.GetType().Name}: {error.Message}\n{error}");
        string message = error.Message;
        if (message.Contains('\n') || message.Contains('\r'))
            throw new FuzzFailure($"{_target.Name}: rejection message is not one line: {message}");
        bool namesFile = message.Contains(_target.FileName, StringComparison.Ordinal)
            || (_target.NamesFolder && message.Contains(_folder, StringComparison.Ordinal));
        if (!namesFile)
            throw new FuzzFailure($"{_target.Name}: rejection does not name the file: {error.GetType().Name}: {message}");
        Rejected++;
    }

    /// <summary>
    /// Checks <paramref name="count"/> mutated inputs with CsCheck (one thread; on a failure CsCheck keeps sampling for
    /// a smaller failing input and reports it with its seed). Returns the elapsed time.
    /// </summary>
    public TimeSpan Run(long count, string? seed = null)
    {
        var clock = Stopwatch.StartNew();
        Mutation.Inputs(_target.Seeds).Sample(Check, iter: count, threads: 1, seed: seed, print: Describe);
        return clock.Elapsed;
    }

    /// <summary>
    /// Checks <paramref name="count"/> mutated inputs drawn from fixed generator states: input i comes from
    /// PCG(<paramref name="stream"/>, <paramref name="seed"/> + i), so every run checks the same inputs. (CsCheck's
    /// <c>Sample</c> uses a given seed for its first input only and draws the rest at random.) A failure names the input's
    /// index and bytes; there is no shrinking, the run itself is the reproduction. Returns the elapsed time.
    /// </summary>
    public TimeSpan RunFixed(long count, uint stream, ulong seed)
    {
        var clock = Stopwatch.StartNew();
        var inputs = Mutation.Inputs(_target.Seeds);
        for (long i = 0; i < count; i++)
        {
            byte[] input = inputs.Generate(new PCG(stream, seed + (ulong)i), null!, out _);
            try { Check(input); }
            catch (FuzzFailure failure) { throw new FuzzFailure($"input {i} of the fixed run (PCG stream {stream}, seed {seed + (ulong)i}): {failure.Message}; input {Describe(input)}"); }
        }
        return clock.Elapsed;
    }

    /// <summary>A failing input as C# bytes, ready to paste into a regression test.</summary>
    public static string Describe(byte[] input) =>
        $"{input.Length} bytes: [{string.Join(", ", input.Select(b => $"0x{b:X2}"))}] text: {Printable(input)}";

    /// <summary>The input as ASCII text with every other byte escaped (\xNN), so a failure report stays one readable
    /// line and log scrapers (grep) do not take the test log for a binary file.</summary>
    private static string Printable(byte[] input) =>
        string.Concat(input.Select(b => b is >= 0x20 and < 0x7F && b != (byte)'\\' ? ((char)b).ToString() : $"\\x{b:X2}"));

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* best effort: a leftover temp folder must not fail a test */ }
    }
}

/// <summary>A violation of the fuzzing property (crash, hang, over-allocation, or a rejection that does not name the file).</summary>
internal sealed class FuzzFailure(string message) : Exception(message);
