using System.Text.Json.Serialization.Metadata;

namespace Mpt.Serialization;

/// <summary>
/// Marks a setting added after run folders were already being recorded, with the value every run made before it existed
/// implicitly had. The setting is not written while it holds that value (see <see cref="OmitLegacyValues"/>), so the
/// options and settings those runs recorded (a run folder's <c>config.json</c>, the pipeline's
/// <c>pipeline_settings.json</c>) still match on --resume; any other value is written, so a run made with it is not
/// resumed or reused under the old behaviour, and an old run is not reused under a new value.
/// </summary>
/// <remarks>
/// The generalisation of <c>JsonIgnore(WhenWritingDefault)</c> to settings whose old behaviour is not the type's
/// default value (a flag that was always on, an enum whose old behaviour is not its first member).
/// </remarks>
/// <param name="value">The value runs made before the setting existed used (boxed; compared with <see cref="object.Equals(object, object)"/>).</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LegacyValueAttribute(object value) : Attribute
{
    /// <summary>The value of runs made before the setting existed.</summary>
    public object Value { get; } = value;

    /// <summary>
    /// A <see cref="DefaultJsonTypeInfoResolver"/> modifier: properties carrying the attribute are skipped while they
    /// hold <see cref="Value"/>. Reading is unaffected (a missing key takes the record's initialiser).
    /// </summary>
    public static void OmitLegacyValues(JsonTypeInfo info)
    {
        foreach (var property in info.Properties)
        {
            if (property.AttributeProvider?.GetCustomAttributes(typeof(LegacyValueAttribute), inherit: false) is not [LegacyValueAttribute legacy, ..])
                continue;
            var previous = property.ShouldSerialize;
            property.ShouldSerialize = (owner, value) => !Equals(value, legacy.Value) && (previous is null || previous(owner, value));
        }
    }
}
