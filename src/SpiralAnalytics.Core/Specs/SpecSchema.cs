using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpiralAnalytics.Core.Specs;

/// <summary>
/// The published JSON Schema of AnalyticsSpec v1 (the LLM prompt and the API docs use it; <c>spiral query --schema</c> prints
/// it). The embedded file holds the shape; every count, length and range comes from <see cref="SpecLimits"/> when it is read.
/// </summary>
public static class SpecSchema
{
    private static readonly Lazy<string> Text = new(() =>
    {
        using var stream = typeof(SpecSchema).Assembly.GetManifestResourceStream("analytics-spec.schema.json")
                           ?? throw new InvalidOperationException("the spec schema is not embedded");
        var schema = JsonNode.Parse(stream)!.AsObject();
        ApplyLimits(schema);
        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    });

    public static string Json => Text.Value;

    private static void ApplyLimits(JsonObject schema)
    {
        var properties = schema["properties"]!;
        var name = SpecLimits.MaxNameLength;
        Set(properties["metrics"], ("minItems", 1), ("maxItems", SpecLimits.MaxMetrics));
        Set(properties["metrics"]!["items"], ("maxLength", name));
        Set(properties["group_by"], ("maxItems", SpecLimits.MaxGroupBy));
        Set(properties["filters"], ("maxItems", SpecLimits.MaxFilters));
        var values = properties["filters"]!["items"]!["properties"]!["values"];
        Set(values, ("minItems", 1), ("maxItems", SpecLimits.MaxFilterValues));
        Set(values!["items"], ("maxLength", SpecLimits.MaxValueLength));
        Set(properties["having"], ("maxItems", SpecLimits.MaxHaving));
        Set(properties["having"]!["items"]!["properties"]!["metric"], ("maxLength", name));
        Set(properties["sort"], ("maxItems", SpecLimits.MaxSort));
        Set(properties["sort"]!["items"]!["properties"]!["by"], ("maxLength", name));
        Set(properties["limit"], ("minimum", 1), ("maximum", SpecLimits.MaxLimit));
        foreach (var form in properties["time"]!["oneOf"]!.AsArray())
        {
            var fields = form!["properties"]!;
            switch ((string?)fields["type"]!["const"])
            {
                case "last_sprints":
                    Set(fields["n"], ("minimum", 1), ("maximum", SpecLimits.MaxSprints));
                    break;
                case "period":
                    Set(fields["offset"], ("minimum", -SpecLimits.MaxPeriodsBack), ("maximum", 0));
                    break;
                case "rolling":
                    Set(fields["n"], ("minimum", 1), ("maximum", SpecLimits.MaxRolling));
                    break;
                case "between":
                    foreach (var date in new[] { fields["from"], fields["to"] })
                    {
                        date!["description"] = $"YYYY-MM-DD, {SpecLimits.MinDate:yyyy-MM-dd} to {SpecLimits.MaxDate:yyyy-MM-dd}";
                    }

                    break;
            }
        }
    }

    private static void Set(JsonNode? node, params (string Key, int Value)[] values)
    {
        var target = node?.AsObject() ?? throw new InvalidOperationException("the spec schema lost a property the limits apply to");
        foreach (var (key, value) in values)
        {
            target[key] = value;
        }
    }
}
