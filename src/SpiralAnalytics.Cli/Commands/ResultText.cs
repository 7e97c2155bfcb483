using System.Globalization;
using System.Text.Json.Nodes;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Cli.Commands;

/// <summary>The human form of a result object (<c>query</c> and <c>ask</c> without --json): the reading in plain words, whether a
/// verified question answered, the one-sentence summary, a table, a line naming the metric versions used (and their layer when
/// a tenant's own), the data's freshness, an analysis's sentences, and the warnings on stderr.</summary>
internal static class ResultText
{
    public static async Task WriteAsync(CliContext cli, QueryResult result, string? suffix = null)
    {
        if (result.Understood is { } understood)
        {
            await cli.Out.WriteLineAsync($"I read this as: {understood}");
        }

        if (result.Verified is { } verified)
        {
            await cli.Out.WriteLineAsync(verified.Match == "exact"
                ? $"verified: the spec of the verified question \"{verified.Question}\""
                : $"verified: the spec of the verified question \"{verified.Question}\" (similarity {verified.Similarity.ToString("0.00", CultureInfo.InvariantCulture)})");
        }

        if (result.Summary is { } summary)
        {
            await cli.Out.WriteLineAsync(summary);
        }

        await TextTable.WriteAsync(cli.Out, result.Columns.Select(c => c.Name).ToList(),
            result.Rows.Select(row => (IReadOnlyList<string>)result.Columns.Select(c => Cell(row[c.Name])).ToList()));
        var versions = string.Join(", ", result.MetricVersions.Select(v =>
            $"{v.Key} {v.Value}" + (result.MetricLayers?.GetValueOrDefault(v.Key) is { } layer && layer != Core.Catalog.CatalogLayers.Shipped ? $" ({layer})" : "")));
        await cli.Out.WriteLineAsync($"{result.Rows.Count} row(s) as of {result.AsOf}; metrics {versions}{suffix}");
        if (result.Freshness is { } freshness)
        {
            await cli.Out.WriteLineAsync(freshness.Describe());
        }
        foreach (var sentence in result.Analysis?.Summary ?? [])
        {
            await cli.Out.WriteLineAsync(sentence);
        }

        foreach (var warning in result.Warnings)
        {
            await cli.Error.WriteLineAsync($"warning: {warning}");
        }
    }

    private static string Cell(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("0.###", CultureInfo.InvariantCulture),
        _ => node.ToString(),
    };
}
