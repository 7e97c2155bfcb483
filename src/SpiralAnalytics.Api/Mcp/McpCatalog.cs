using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>
/// The catalog as the MCP tools read it for the token's tenant: the shipped metrics with the tenant's own layer merged in,
/// read exactly as the <c>/api/v1/metrics</c> endpoints read it (<see cref="CatalogReader"/> with the tenant's id, and the
/// tenant's version history from <see cref="TenantCatalogStore"/> for a metric of the tenant layer).
/// </summary>
public sealed class McpCatalog(TenantDirectory tenants, CatalogReader reader, TenantCatalogStore store)
{
    public async Task<MetricCatalog> LoadAsync(string tenant, CancellationToken ct) =>
        await reader.LoadAsync(await tenants.ResolveAsync(tenant, ct), ct);

    public async Task<MetricDefinition> GetAsync(string tenant, string name, string? version, CancellationToken ct) =>
        await reader.GetAsync(await tenants.ResolveAsync(tenant, ct), name, version, ct);

    public async Task<IReadOnlyList<MetricVersionInfo>> VersionsAsync(string tenant, string name, CancellationToken ct)
    {
        var tenantId = await tenants.ResolveAsync(tenant, ct);
        var metric = (await reader.LoadAsync(tenantId, ct)).Get(name);
        return metric.Layer == CatalogLayers.Tenant ? await store.VersionsAsync(tenantId, name, ct) : await reader.VersionsAsync(name, ct);
    }
}
