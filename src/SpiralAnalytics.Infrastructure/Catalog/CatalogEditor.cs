using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>What an API edit of one metric did, and the metric as stored afterwards.</summary>
public sealed record MetricEdit(MetricImportResult Result, MetricDefinition Metric);

/// <summary>
/// Creates or updates one metric from its definition text (YAML, or JSON, which is YAML too): the stored catalog is
/// written out as files, the edited file replaces or joins them, and the whole set goes through the same loader,
/// checks and importer as <c>spiral catalog validate</c>/<c>import</c>, so the rules and messages are the same.
/// An update with changed content needs a higher version and becomes a new version; old versions stay.
/// </summary>
public sealed class CatalogEditor(CatalogReader reader, CatalogImporter importer)
{
    public Task<MetricEdit> CreateAsync(string definition, CancellationToken ct) => EditAsync(null, definition, ct);

    public Task<MetricEdit> UpdateAsync(string name, string definition, CancellationToken ct) => EditAsync(name, definition, ct);

    private async Task<MetricEdit> EditAsync(string? name, string definition, CancellationToken ct)
    {
        var (parsed, problems) = CatalogYamlReader.Read("request", definition);
        if (parsed is null)
        {
            throw new CatalogValidationException("the metric definition cannot be read", problems);
        }

        var metricName = parsed.Definition.Name;
        var catalog = await reader.LoadAsync(ct);
        var existing = catalog.Find(metricName);
        if (name is null && existing is not null)
        {
            throw new ConflictException($"metric '{metricName}' already exists (version {existing.Version}); update it with PUT /api/v1/operator/metrics/{metricName}");
        }

        if (name is not null)
        {
            if (metricName != name)
            {
                throw new UserErrorException($"the definition's name '{metricName}' does not match the metric '{name}' being updated");
            }

            if (existing is null)
            {
                throw new NotFoundException($"metric '{name}' is not in the catalog{CatalogText.DidYouMean(name, catalog.Names)}; create it with POST /api/v1/operator/metrics");
            }
        }

        var file = metricName + ".yaml";
        var files = catalog.All.Where(m => m.Name != metricName).Select(m => (File: m.Name + ".yaml", Text: CatalogYamlWriter.Write(m))).ToList();
        files.Add((file, definition));
        var loaded = CatalogLoader.Load(files);
        if (!loaded.IsValid)
        {
            throw new CatalogValidationException($"{loaded.Problems.Count} problem(s) in the metric definition; nothing changed", loaded.Problems);
        }

        var report = await importer.ImportAsync("request", loaded, ct);
        var result = report.Metrics.Single(m => m.Name == metricName);
        return new MetricEdit(result, await reader.GetAsync(metricName, null, ct));
    }
}
