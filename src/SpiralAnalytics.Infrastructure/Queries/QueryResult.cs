using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SpiralAnalytics.Core.Diagnosis;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Infrastructure.Queries;

/// <summary>The result object of CLI.md (<c>query --json</c>, <c>ask --json</c> and the API).</summary>
public sealed record QueryResult
{
    /// <summary>The question asked; null for <c>spiral query</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Question { get; init; }

    /// <summary>The spec that ran, canonical, with filter values in their canonical spelling.</summary>
    public required JsonNode Spec { get; init; }

    /// <summary>ISO 8601 UTC (<c>2026-03-01T00:00:00Z</c>).</summary>
    public required string AsOf { get; init; }

    public required IReadOnlyList<QueryColumn> Columns { get; init; }

    /// <summary>Rows keyed by column name; numbers are doubles, nulls stay null.</summary>
    public required IReadOnlyList<JsonObject> Rows { get; init; }

    public required IReadOnlyDictionary<string, string> MetricVersions { get; init; }

    /// <summary>Which catalog layer each metric's version comes from: <c>shipped</c> or <c>tenant</c> (the tenant's own definition).</summary>
    public IReadOnlyDictionary<string, string>? MetricLayers { get; init; }

    public required string Sql { get; init; }

    /// <summary><c>none</c> (no cache consulted), <c>miss</c> or <c>hit</c>.</summary>
    public required string Cache { get; init; }

    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>The spec in plain words from the catalog's display names ("completed story points per assignee, team Aurora, Oct–Dec 2015").</summary>
    public string? Understood { get; init; }

    /// <summary>One sentence of the result made from its numbers by templates ("Nova had the most reopened issues: 9 …").</summary>
    public string? Summary { get; init; }

    /// <summary>Set when the question was answered with a verified question's spec (the ask pipeline only).</summary>
    public VerifiedAnswer? Verified { get; init; }

    public required IReadOnlyDictionary<string, double> TimingsMs { get; init; }

    /// <summary>How fresh the data is: the newest analytics refresh, the tenant's last import and last Jira sync.</summary>
    public DataFreshness? Freshness { get; init; }

    /// <summary>The diagnosis or anomaly report of an analysis spec (<c>"analysis"</c>); null for an ordinary answer.</summary>
    public AnalysisReport? Analysis { get; init; }
}

/// <summary>The verified question whose spec answered: <c>match</c> is <c>exact</c> (same normalised text) or <c>similar</c> (embedding).</summary>
public sealed record VerifiedAnswer(Guid Id, string Question, string Match, double Similarity);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueryResult))]
[JsonSerializable(typeof(SpecError))]
[JsonSerializable(typeof(IReadOnlyList<SpecError>))]
public sealed partial class QueryJsonContext : JsonSerializerContext;
