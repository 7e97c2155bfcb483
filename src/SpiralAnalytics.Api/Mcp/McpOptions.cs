using System.ComponentModel.DataAnnotations;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>Section <c>Mcp</c>: the MCP server on <c>/mcp</c>.</summary>
public sealed class McpOptions
{
    public const string Section = "Mcp";

    /// <summary>How long the <c>ask</c> tool waits for the job's final event before answering with the job id instead.</summary>
    [Range(1, 600)]
    public int AskWaitSeconds { get; set; } = 60;

    /// <summary>The most values <c>list_dimension_values</c> returns in one call (its <c>limit</c> is capped at this).</summary>
    [Range(1, 10_000)]
    public int MaxDimensionValues { get; set; } = 200;

    /// <summary>Rows the text rendering of a result shows (the structured content always has every row).</summary>
    [Range(1, 1_000)]
    public int TextRows { get; set; } = 20;
}
