using System.Globalization;
using Mpt.Data;

namespace Mpt.Tasks.Formatters;

/// <summary>
/// STS-B: template source; target = <c>str(np.round((label*5)/5, decimals=1))</c> (ATTEMPT
/// <c>round_stsb_target</c>). numpy rounds with <c>rint(x·10)/10</c>, i.e. half to even on the doubled value, and
/// the label is the float32 score widened to double, so 2.25 → "2.2" and float32 3.84 → "3.8". The intended 0.2
/// grid is <see cref="FormatOptions.FixStsbRounding"/>.
/// </summary>
public sealed class StsbFormatter : ITaskFormatter
{
    /// <inheritdoc />
    public string TargetField => "label";

    /// <inheritdoc />
    public object? TargetPlaceholder => 0.0;

    /// <inheritdoc />
    public IReadOnlyList<TextToTextRow> Format(TaskDefinition task, IReadOnlyDictionary<string, object?> example, FormatOptions options)
    {
        var parts = new List<string>();
        foreach (SourceField f in task.Template)
        {
            parts.Add(f.Keyword);
            parts.Add(ExampleFields.Str(task, example, f.Field));
        }
        double label = ExampleFields.Number(task, example, "label");
        return [task.Row(parts, Target(label, options.FixStsbRounding), options)];
    }

    /// <summary>The target string for a score.</summary>
    public static string Target(double label, bool roundToGrid)
    {
        if (roundToGrid)
        {
            // round(label*5)/5 (Python round: half to even), shown with one decimal like the label list.
            double grid = Math.Round(label * 5, MidpointRounding.ToEven) / 5;
            return grid.ToString("0.0", CultureInfo.InvariantCulture);
        }
        double v = label * 5 / 5;
        return PythonText.FloatRepr(Math.Round(v * 10, MidpointRounding.ToEven) / 10);
    }
}
