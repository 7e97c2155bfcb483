using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Infrastructure.Catalog;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>
/// The catalog as the MCP tools read it for the token's tenant, through <see cref="CatalogReader"/> as the
/// <c>/api/v1/metrics</c> endpoints read it: the one place where the tools' catalog reads are tenant-aware. The shipped
/// catalog is global today; when the reader resolves a tenant's own metrics, these three calls take the tenant.
/// </summary>
public sealed class McpCatalog(CatalogReader reader)
{
    public Task<MetricCatalog> LoadAsync(string tenant, CancellationToken ct)
    {
        _ = tenant;
        return reader.LoadAsync(ct);
    }

    public Task<MetricDefinition> GetAsync(string tenant, string name, string? version, CancellationToken ct)
    {
        _ = tenant;
        return reader.GetAsync(name, version, ct);
    }

    public Task<IReadOnlyList<MetricVersionInfo>> VersionsAsync(string tenant, string name, CancellationToken ct)
    {
        _ = tenant;
        return reader.VersionsAsync(name, ct);
    }
}
