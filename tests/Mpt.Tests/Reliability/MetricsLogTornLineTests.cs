using Mpt.Reports;
using Xunit;

namespace Mpt.Tests.Reliability;

/// <summary>
/// metrics.jsonl is appended to, not replaced, so its crash rule is its own: a last line without a newline is a record a
/// killed process was writing; readers skip it and the next append cuts it off.
/// </summary>
public sealed class MetricsLogTornLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mpt-metrics-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static StepMetrics Step(long step) => new("teacher", "mrpc", "mpt", Seed: 1, Step: step, Loss: 0.5 + step);

    private string LogWithTornTail()
    {
        string path = Path.Combine(_dir, MetricsLog.FileName);
        MetricsLog.Append(path, [Step(1), Step(2)]);
        string third = MetricsLog.Serialize(Step(3));
        File.AppendAllText(path, third[..(third.Length / 2)]); // killed halfway through the third record
        return path;
    }

    [Fact]
    public void A_Torn_Last_Line_Is_Skipped_By_Readers()
    {
        var records = MetricsLog.Read(LogWithTornTail());
        Assert.Equal([1L, 2L], records.Select(r => r.Step));
    }

    [Fact]
    public void The_Next_Append_Cuts_The_Torn_Line_Off()
    {
        string path = LogWithTornTail();
        MetricsLog.Append(path, Step(3));
        Assert.Equal([1L, 2L, 3L], MetricsLog.Read(path).Select(r => r.Step));
        Assert.Equal(3, File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void A_Whole_Last_Record_Without_Its_Newline_Is_Kept_And_Terminated()
    {
        string path = Path.Combine(_dir, MetricsLog.FileName);
        File.WriteAllText(path, MetricsLog.Serialize(Step(1))); // e.g. written by hand
        Assert.Single(MetricsLog.Read(path));
        MetricsLog.Append(path, Step(2));
        Assert.Equal([1L, 2L], MetricsLog.Read(path).Select(r => r.Step));
    }

    [Fact]
    public void A_Bad_Line_Before_The_Last_Is_Still_An_Error_Naming_The_Line()
    {
        string path = Path.Combine(_dir, MetricsLog.FileName);
        File.WriteAllText(path, MetricsLog.Serialize(Step(1)) + "\n{\"half\n" + MetricsLog.Serialize(Step(3)) + "\n");
        var e = Assert.Throws<InvalidDataException>(() => MetricsLog.Read(path));
        Assert.StartsWith($"{path}:2: not a valid metrics record", e.Message);
    }
}
