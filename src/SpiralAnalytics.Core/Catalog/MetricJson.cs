using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SpiralAnalytics.Core.Catalog;

/// <summary>The JSON form of definitions (snake_case, fields in canonical order, absent fields omitted).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MetricDefinition))]
[JsonSerializable(typeof(IReadOnlyList<MetricDefinition>))]
public sealed partial class MetricJsonContext : JsonSerializerContext;

/// <summary>
/// The versioned content of a definition: its canonical JSON without the lifecycle fields (status, replaced_by,
/// deprecation_reason), which belong to the metric, not to a version. A definition "changed" when this checksum did.
/// </summary>
public static class MetricJson
{
    private static readonly string[] LifecycleFields = ["status", "replaced_by", "deprecation_reason"];

    public static string Versioned(MetricDefinition definition)
    {
        var node = JsonSerializer.SerializeToNode(definition, MetricJsonContext.Default.MetricDefinition)!.AsObject();
        foreach (var field in LifecycleFields)
        {
            node.Remove(field);
        }

        return node.ToJsonString();
    }

    public static string Checksum(MetricDefinition definition) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Versioned(definition))));

    /// <summary>A stored version read back, with the metric's current lifecycle applied.</summary>
    public static MetricDefinition FromVersioned(string json, string status, string? replacedBy, string? deprecationReason) =>
        (JsonSerializer.Deserialize(json, MetricJsonContext.Default.MetricDefinition)
         ?? throw new JsonException("empty metric definition")).Canonical()
        with { Status = status, ReplacedBy = replacedBy, DeprecationReason = deprecationReason };

    public static JsonObject ToNode(MetricDefinition definition) =>
        JsonSerializer.SerializeToNode(definition, MetricJsonContext.Default.MetricDefinition)!.AsObject();
}
