using System.Globalization;
using Mpt.Tasks;

namespace Mpt.Data;

/// <summary>
/// Checks raw rows against a task's field schema (<see cref="TaskDefinition.Schema"/>). Text formats (CSV/TSV) only
/// hold strings, so a string cell is converted where the schema asks for a number; JSON and Parquet values must
/// already have the right type.
/// </summary>
public static class RowSchema
{
    /// <summary>Problems of <paramref name="row"/> as (field, message) pairs; empty when it conforms.</summary>
    public static IReadOnlyList<(string Field, string Message)> Check(IReadOnlyList<FieldSpec> schema,
        IReadOnlyDictionary<string, object?> row)
    {
        var problems = new List<(string, string)>();
        foreach (FieldSpec f in schema)
        {
            if (!row.TryGetValue(f.Name, out object? value))
            {
                if (f.Required) problems.Add((f.Name, "is missing"));
                continue;
            }
            string? problem = Convert(f, value, out _);
            if (problem is not null) problems.Add((f.Name, problem));
        }
        return problems;
    }

    /// <summary>
    /// The row with schema fields converted to their declared types (CSV strings → numbers).
    /// </summary>
    /// <param name="schema">The task's schema.</param>
    /// <param name="row">The raw row.</param>
    /// <param name="optionalField">A required field the row may lack all the same (the label of a row to predict).</param>
    /// <exception cref="DataFormatException">A required field is missing or a value has the wrong type; the message
    /// names the file, position and field.</exception>
    public static DataRow Validate(IReadOnlyList<FieldSpec> schema, DataRow row, string? optionalField = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(row);
        var fields = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var kv in row.Fields) fields[kv.Key] = kv.Value;
        foreach (FieldSpec f in schema)
        {
            if (!row.Fields.TryGetValue(f.Name, out object? value))
            {
                if (f.Required && f.Name != optionalField)
                    throw new DataFormatException(row.Location,
                        $"required field is missing (the row has: {string.Join(", ", row.Fields.Keys)})", f.Name);
                continue;
            }
            string? problem = Convert(f, value, out object? converted);
            if (problem is not null) throw new DataFormatException(row.Location, problem, f.Name);
            fields[f.Name] = converted;
        }
        return row with { Fields = fields };
    }

    private static string? Convert(FieldSpec f, object? value, out object? converted)
    {
        converted = value;
        switch (f.Type)
        {
            case FieldType.Any:
                return null;
            case FieldType.String:
                return value is string ? null : $"must be a string, got {ExampleFields.Describe(value)}";
            case FieldType.Integer:
                if (value is long) return null;
                if (value is int i) { converted = (long)i; return null; }
                if (value is string s && PythonText.TryParseInt(s, out long parsed)) { converted = parsed; return null; }
                return $"must be an integer, got {ExampleFields.Describe(value)}";
            case FieldType.Number:
                if (value is double or long) return null;
                if (value is float fl) { converted = (double)fl; return null; }
                if (value is int n) { converted = (long)n; return null; }
                if (value is string t && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
                {
                    converted = d;
                    return null;
                }
                return $"must be a number, got {ExampleFields.Describe(value)}";
            case FieldType.StringList:
                return value is IEnumerable<object?> list && list.All(x => x is string)
                    ? null
                    : $"must be a list of strings, got {ExampleFields.Describe(value)}";
            case FieldType.Object:
                return value is IReadOnlyDictionary<string, object?> ? null : $"must be an object, got {ExampleFields.Describe(value)}";
            default:
                return $"has an unknown field type {f.Type}";
        }
    }
}
