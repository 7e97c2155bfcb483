using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>
/// Checks a tool call's arguments against the tool's input schema before it runs: a missing required argument or one the
/// tool does not take (a <c>tenant</c>, say: the tenant comes from the token) is an error result that names them and lists
/// the tool's arguments, where the SDK would otherwise answer only "an error occurred" or silently ignore the extra one.
/// </summary>
public static class McpArgumentCheck
{
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Filter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, ct) =>
        {
            if (context.MatchedPrimitive is McpServerTool tool && Problem(tool.ProtocolTool, context.Params?.Arguments) is { } problem)
            {
                return problem;
            }

            return await next(context, ct);
        };

    internal static CallToolResult? Problem(Tool tool, IDictionary<string, JsonElement>? arguments)
    {
        var schema = tool.InputSchema;
        var known = schema.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => p.Name).ToList() : [];
        var required = schema.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(r => r.GetString()!).ToList() : [];
        var given = arguments?.Keys.ToList() ?? [];
        var missing = required.Where(r => !given.Contains(r, StringComparer.Ordinal)).ToList();
        var unknown = given.Where(g => !known.Contains(g, StringComparer.Ordinal)).ToList();
        if (missing.Count == 0 && unknown.Count == 0)
        {
            return null;
        }

        var parts = new List<string>();
        if (missing.Count > 0)
        {
            parts.Add($"missing required argument(s): {string.Join(", ", missing)}");
        }

        if (unknown.Count > 0)
        {
            parts.Add($"{tool.Name} takes no argument(s) {string.Join(", ", unknown)}"
                      + (unknown.Any(u => u.Contains("tenant", StringComparison.OrdinalIgnoreCase)) ? " (the tenant is your token's)" : ""));
        }

        var message = $"{string.Join("; ", parts)}; {tool.Name}'s arguments: {string.Join(", ", known)}";
        return McpResults.Error(new JsonObject
        {
            ["error"] = "bad_arguments",
            ["message"] = message,
            ["missing"] = new JsonArray(missing.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray()),
            ["unknown"] = new JsonArray(unknown.Select(u => (JsonNode?)JsonValue.Create(u)).ToArray()),
            ["arguments"] = new JsonArray(known.Select(k => (JsonNode?)JsonValue.Create(k)).ToArray()),
        }, message);
    }
}
