using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>Writes the stored catalog as <c>NAME.yaml</c> files (current versions, lifecycle included); importing them back changes nothing.</summary>
public sealed class CatalogExporter(CatalogReader reader)
{
    public async Task<IReadOnlyList<string>> ExportAsync(string folder, CancellationToken ct)
    {
        var catalog = await reader.LoadAsync(ct);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var metric in catalog.All)
        {
            var path = Path.Combine(folder, metric.Name + ".yaml");
            await File.WriteAllTextAsync(path, CatalogYamlWriter.Write(metric), ct);
            written.Add(path);
        }

        return written;
    }
}
