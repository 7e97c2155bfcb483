using Npgsql;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>One stored version of a metric.</summary>
public sealed record MetricVersionInfo(string Version, DateTimeOffset CreatedAt, string Checksum, string? EmbedderId, bool IsCurrent);

/// <summary>Reads the stored catalog (runtime role: SELECT only). Versions are immutable; lifecycle lives on the metric.</summary>
public sealed class CatalogReader(SpiralDataSources data)
{
    private const string CurrentSql =
        """
        SELECT m.name, m.status, m.replaced_by, m.deprecation_reason, v.definition::text
        FROM metrics m JOIN metric_versions v ON v.metric_name = m.name AND v.version = m.current_version
        """;

    /// <summary>Every metric at its current version, with its lifecycle.</summary>
    public async Task<MetricCatalog> LoadAsync(CancellationToken ct)
    {
        await using var command = data.Runtime.CreateCommand(CurrentSql + " ORDER BY m.name");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var metrics = new List<MetricDefinition>();
        while (await reader.ReadAsync(ct))
        {
            metrics.Add(Read(reader));
        }

        return new MetricCatalog(metrics);
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

        await using var command = data.Runtime.CreateCommand(
            """
            SELECT m.name, m.status, m.replaced_by, m.deprecation_reason, v.definition::text
            FROM metrics m JOIN metric_versions v ON v.metric_name = m.name
            WHERE m.name = $1 AND v.version = $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = version });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            return Read(reader);
        }

        var versions = await VersionsAsync(name, ct);
        throw new NotFoundException($"metric '{name}' has no version '{version}' (versions: {string.Join(", ", versions.Select(v => v.Version))})");
    }

    /// <summary>Every stored version of a metric, oldest first.</summary>
    public async Task<IReadOnlyList<MetricVersionInfo>> VersionsAsync(string name, CancellationToken ct)
    {
        await using var command = data.Runtime.CreateCommand(
            """
            SELECT v.version, v.created_at, v.checksum, v.embedder_id, v.version = m.current_version
            FROM metrics m JOIN metric_versions v ON v.metric_name = m.name
            WHERE m.name = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new List<MetricVersionInfo>();
        while (await reader.ReadAsync(ct))
        {
            versions.Add(new MetricVersionInfo(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetBoolean(4)));
        }

        if (versions.Count == 0)
        {
            (await LoadAsync(ct)).Get(name);
        }

        return versions.OrderBy(v => SemanticVersion.Parse(v.Version)).ToList();
    }

    private static MetricDefinition Read(NpgsqlDataReader reader) =>
        MetricJson.FromVersioned(reader.GetString(4), reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
}
