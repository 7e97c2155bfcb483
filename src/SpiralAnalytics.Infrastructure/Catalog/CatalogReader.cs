using Microsoft.EntityFrameworkCore;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>One stored version of a metric.</summary>
public sealed record MetricVersionInfo(string Version, DateTimeOffset CreatedAt, string Checksum, string? EmbedderId, bool IsCurrent);

/// <summary>
/// Reads the stored catalog (runtime role: SELECT only) through <see cref="SpiralDbContext"/>. Versions are immutable; lifecycle
/// lives on the metric.
/// </summary>
public sealed class CatalogReader(SpiralDataSources data, SpiralDb db)
{
    /// <summary>Every metric at its current version, with its lifecycle.</summary>
    public async Task<MetricCatalog> LoadAsync(CancellationToken ct)
    {
        await using var context = db.Runtime();
        var rows = await (
            from m in context.Metrics
            join v in context.MetricVersions on new { Name = m.Name, Version = m.CurrentVersion } equals new { Name = v.MetricName, v.Version }
            orderby m.Name
            select new { m.Status, m.ReplacedBy, m.DeprecationReason, v.Definition }).ToListAsync(ct);
        return new MetricCatalog([.. rows.Select(r => MetricJson.FromVersioned(r.Definition, r.Status, r.ReplacedBy, r.DeprecationReason))]);
    }

    /// <summary>
    /// The catalog as one tenant sees it: the shipped metrics, with the tenant's active metrics added or put in place of the
    /// shipped metric of the same name (drafts and archived tenant metrics are not offered). Read as the runtime role
    /// with the tenant set, so RLS decides which tenant rows exist at all.
    /// </summary>
    public async Task<MetricCatalog> LoadAsync(Guid tenantId, CancellationToken ct)
    {
        var shipped = await LoadAsync(ct);
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        var tenant = await TenantCatalogStore.ListAsync(session, ct);
        await session.CommitAsync(ct);
        return Merge(shipped, tenant.Select(t => t.Definition));
    }

    /// <summary>Shipped metrics, then the tenant's active ones (a tenant metric wins over the shipped metric of its name).</summary>
    public static MetricCatalog Merge(MetricCatalog shipped, IEnumerable<MetricDefinition> tenant) =>
        new(shipped.All.Concat(tenant.Where(t => t.IsActive)));

    /// <summary>One metric as the tenant sees it, at its current version or the one asked for (of its layer).</summary>
    public async Task<MetricDefinition> GetAsync(Guid tenantId, string name, string? version, CancellationToken ct)
    {
        var current = (await LoadAsync(tenantId, ct)).Get(name);
        if (version is null || version == current.Version)
        {
            return current;
        }

        if (current.Layer != CatalogLayers.Tenant)
        {
            return await GetAsync(name, version, ct);
        }

        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        return await TenantCatalogStore.VersionAsync(session, name, version, ct);
    }

    /// <summary>One metric, at its current version or the one asked for; unknown names and versions are user errors.</summary>
    public async Task<MetricDefinition> GetAsync(string name, string? version, CancellationToken ct)
    {
        var catalog = await LoadAsync(ct);
        var current = catalog.Get(name);
        if (version is null || version == current.Version)
        {
            return current;
        }

        await using (var context = db.Runtime())
        {
            var row = await (
                from m in context.Metrics
                join v in context.MetricVersions on m.Name equals v.MetricName
                where m.Name == name && v.Version == version
                select new { m.Status, m.ReplacedBy, m.DeprecationReason, v.Definition }).SingleOrDefaultAsync(ct);
            if (row is not null)
            {
                return MetricJson.FromVersioned(row.Definition, row.Status, row.ReplacedBy, row.DeprecationReason);
            }
        }

        var versions = await VersionsAsync(name, ct);
        throw new NotFoundException($"metric '{name}' has no version '{version}' (versions: {string.Join(", ", versions.Select(v => v.Version))})");
    }

    /// <summary>Every stored version of a metric, oldest first.</summary>
    public async Task<IReadOnlyList<MetricVersionInfo>> VersionsAsync(string name, CancellationToken ct)
    {
        List<MetricVersionInfo> versions;
        await using (var context = db.Runtime())
        {
            versions = await (
                from m in context.Metrics
                join v in context.MetricVersions on m.Name equals v.MetricName
                where m.Name == name
                select new MetricVersionInfo(v.Version, v.CreatedAt, v.Checksum, v.EmbedderId, v.Version == m.CurrentVersion)).ToListAsync(ct);
        }

        if (versions.Count == 0)
        {
            (await LoadAsync(ct)).Get(name);
        }

        return versions.OrderBy(v => SemanticVersion.Parse(v.Version)).ToList();
    }
}
