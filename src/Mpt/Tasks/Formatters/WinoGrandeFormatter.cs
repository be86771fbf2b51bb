namespace Mpt.Tasks.Formatters;

/// <summary>
/// WinoGrande: <c>sentence: {sentence} option0: {option1} option1: {option1}</c> (sic: ATTEMPT and DePT show
/// option1 twice; <see cref="FormatOptions.FixWinograndeOptions"/> shows option2 second); target =
/// <c>str(int(answer) - 1)</c>, which raises on the test split's empty answer.
/// </summary>
public sealed class WinoGrandeFormatter : ITaskFormatter
{
    /// <inheritdoc />
    public string TargetField => "answer";

    /// <inheritdoc />
    public object? TargetPlaceholder => "1"; // the test split's "" would raise, as in ATTEMPT

    /// <inheritdoc />
    public IReadOnlyList<TextToTextRow> Format(TaskDefinition task, IReadOnlyDictionary<string, object?> example, FormatOptions options)
    {
        string secondOption = options.FixWinograndeOptions ? "option2" : "option1";
        string[] parts =
        [
            "sentence:", ExampleFields.Str(task, example, "sentence"),
            "option0:", ExampleFields.Str(task, example, "option1"),
            "option1:", ExampleFields.Str(task, example, secondOption),
        ];
        long answer = ExampleFields.Integer(task, example, "answer");
        return [task.Row(parts, (answer - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), options)];
    }
}
