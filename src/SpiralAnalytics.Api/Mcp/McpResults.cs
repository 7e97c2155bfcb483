using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>
/// How a tool answers: structured content (snake_case JSON, the same objects the HTTP API returns) plus a short text
/// rendering for clients that show only text. Errors the caller can act on are tool results with <c>isError</c>, so the
/// model reads them and repairs its call; anything else is thrown to the SDK, which reports it without internals.
/// </summary>
public static class McpResults
{
    public static CallToolResult Ok(JsonObject structured, string text) => new()
    {
        StructuredContent = JsonSerializer.SerializeToElement(structured, McpJsonContext.Default.JsonObject),
        Content = [new TextContentBlock { Text = text }],
    };

    public static CallToolResult Error(JsonObject structured, string text) => new()
    {
        IsError = true,
        StructuredContent = JsonSerializer.SerializeToElement(structured, McpJsonContext.Default.JsonObject),
        Content = [new TextContentBlock { Text = text }],
    };

    /// <summary>A rejected spec: every typed error (path, value, message, allowed, suggestions, rule), as <c>POST /api/v1/query</c> answers 400.</summary>
    public static CallToolResult InvalidSpec(IReadOnlyList<SpecError> errors, Guid? jobId)
    {
        var structured = new JsonObject
        {
            ["error"] = "invalid_spec",
            ["message"] = $"the spec is invalid ({errors.Count.ToString(CultureInfo.InvariantCulture)} error{(errors.Count == 1 ? "" : "s")}): fix these fields and call again",
            ["errors"] = JsonSerializer.SerializeToNode(errors, QueryJsonContext.Default.IReadOnlyListSpecError),
        };
        if (jobId is { } id)
        {
            structured["job_id"] = id.ToString();
        }

        var text = new StringBuilder((string)structured["message"]!);
        foreach (var e in errors)
        {
            text.Append('\n').Append("- ").Append(e.Path).Append(": ").Append(e.Message);
            if (e.Suggestions.Count > 0)
            {
                text.Append(" (try: ").AppendJoin(", ", e.Suggestions).Append(')');
            }
        }

        return Error(structured, text.ToString());
    }

    /// <summary>Bad input the caller can correct (unknown metric or value, bad as_of, ...): its message and details.</summary>
    public static CallToolResult UserError(UserErrorException e)
    {
        if (e is SpecValidationException spec)
        {
            return InvalidSpec(spec.Errors, null);
        }

        var structured = new JsonObject { ["error"] = e is NotFoundException ? "not_found" : "bad_request", ["message"] = e.Message };
        if (e.Details.Count > 0)
        {
            structured["details"] = new JsonArray(e.Details.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray());
        }

        return Error(structured, e.Details.Count == 0 ? e.Message : $"{e.Message}:\n{string.Join('\n', e.Details)}");
    }

    /// <summary>The result object of CLI.md (its <c>freshness</c> included) with the job, as structured content; a short table as text.</summary>
    public static CallToolResult Answer(QueryResult result, Guid jobId, int textRows, JsonObject? extra = null)
    {
        var node = JsonSerializer.SerializeToNode(result, QueryJsonContext.Default.QueryResult)!.AsObject();
        node["job_id"] = jobId.ToString();
        foreach (var (key, value) in extra ?? [])
        {
            node[key] = value?.DeepClone();
        }

        return Ok(node, Render(result, jobId, textRows));
    }

    /// <summary>The result as a small pipe table: header with units and versions, up to <paramref name="maxRows"/> rows, warnings.</summary>
    public static string Render(QueryResult result, Guid jobId, int maxRows)
    {
        var text = new StringBuilder();
        text.Append("spec: ").Append(result.Spec.ToJsonString()).Append('\n');
        text.AppendJoin(" | ", result.Columns.Select(Header)).Append('\n');
        foreach (var row in result.Rows.Take(maxRows))
        {
            text.AppendJoin(" | ", result.Columns.Select(c => Cell(row[c.Name]))).Append('\n');
        }

        var count = result.Rows.Count;
        text.Append(count.ToString(CultureInfo.InvariantCulture)).Append(count == 1 ? " row" : " rows");
        if (count > maxRows)
        {
            text.Append(" (").Append(maxRows.ToString(CultureInfo.InvariantCulture)).Append(" shown; all are in the structured content)");
        }

        text.Append("; as of ").Append(result.AsOf).Append("; job ").Append(jobId);
        if (result.Freshness is { } freshness)
        {
            text.Append("; ").Append(freshness.Describe());
        }

        foreach (var warning in result.Warnings)
        {
            text.Append("\nwarning: ").Append(warning);
        }

        return text.ToString();
    }

    private static string Header(QueryColumn column) =>
        column.Kind == QueryColumn.Metric ? $"{column.Name} ({column.Unit}{(column.Version is null ? "" : ", v" + column.Version)})" : column.Name;

    private static string Cell(JsonNode? value) => value switch
    {
        null => "—",
        JsonValue v when v.TryGetValue<double>(out var d) => Math.Round(d, 4).ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => value.ToJsonString(),
    };
}

/// <summary>Source-generated JSON for the objects the tools build.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class McpJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
