using System.Globalization;
using System.Text.Json.Nodes;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Cli.Commands;

/// <summary>The human form of a result object (<c>query</c> and <c>ask</c> without --json): a table, a summary line naming
/// the metric versions used, an analysis's sentences, and the warnings on stderr.</summary>
internal static class ResultText
{
    public static async Task WriteAsync(CliContext cli, QueryResult result, string? suffix = null)
    {
        await TextTable.WriteAsync(cli.Out, result.Columns.Select(c => c.Name).ToList(),
            result.Rows.Select(row => (IReadOnlyList<string>)result.Columns.Select(c => Cell(row[c.Name])).ToList()));
        var versions = string.Join(", ", result.MetricVersions.Select(v =>
            $"{v.Key} {v.Value}" + (result.MetricLayers?.GetValueOrDefault(v.Key) is { } layer && layer != Core.Catalog.CatalogLayers.Shipped ? $" ({layer})" : "")));
        await cli.Out.WriteLineAsync($"{result.Rows.Count} row(s) as of {result.AsOf}; metrics {versions}{suffix}");
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
