using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>One stored tenant metric: its current definition (with lifecycle) and who last changed it.</summary>
public sealed record TenantMetric(MetricDefinition Definition, DateTimeOffset UpdatedAt);

/// <summary>What a save did: <c>added</c>, <c>new_version</c>, <c>draft_updated</c> or <c>unchanged</c>, and the metric as stored.</summary>
public sealed record TenantMetricEdit(string Action, string Version, string? PreviousVersion, MetricDefinition Metric);

/// <summary>
/// The tenant layer of the catalog: every read and write runs as the runtime role inside a <see cref="TenantSession"/>, so
/// PostgreSQL's row-level security (forced on tenant_metrics and tenant_metric_versions) is what keeps tenants apart — a
/// tenant admin can only ever reach their own tenant's rows, and the shipped catalog is not writable by this role at all.
/// Definitions are validated by the same loader as <c>spiral catalog validate</c> (tenant rules, against the shipped
/// catalog and the tenant's other metrics), SQL metrics are checked by PostgreSQL (<see cref="SqlMetricChecker"/>), and
/// nothing is stored unless every check passed.
/// </summary>
public sealed class TenantCatalogStore(
    SpiralDataSources data,
    CatalogReader shipped,
    SqlMetricChecker sqlChecker,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    ILogger<TenantCatalogStore> logger)
{
    /// <summary>Every metric of the tenant's layer (drafts and archived ones included), by name.</summary>
    public async Task<IReadOnlyList<TenantMetric>> ListAsync(Guid tenantId, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        var metrics = await ListAsync(session, ct);
        await session.CommitAsync(ct);
        return metrics;
    }

    internal static async Task<IReadOnlyList<TenantMetric>> ListAsync(TenantSession session, CancellationToken ct)
    {
        await using var context = SpiralDb.For(session);
        var rows = await (
            from m in context.TenantMetrics
            join v in context.TenantMetricVersions
                on new { m.TenantId, m.Name, Version = m.CurrentVersion } equals new { v.TenantId, Name = v.MetricName, v.Version }
            orderby m.Name
            select new { m.Status, m.ReplacedBy, m.ArchiveReason, v.Definition, m.UpdatedAt }).ToListAsync(ct);
        return [.. rows.Select(r => new TenantMetric(Definition(r.Definition, r.Status, r.ReplacedBy, r.ArchiveReason), r.UpdatedAt))];
    }

    /// <summary>One tenant metric at its current or a given version; unknown is a 404 that suggests the nearest name.</summary>
    public async Task<MetricDefinition> GetAsync(Guid tenantId, string name, string? version, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        var metrics = await ListAsync(session, ct);
        var current = metrics.FirstOrDefault(m => m.Definition.Name == name)?.Definition
                      ?? throw new NotFoundException($"metric '{name}' is not in this tenant's catalog{CatalogText.DidYouMean(name, metrics.Select(m => m.Definition.Name))}");
        if (version is null || version == current.Version)
        {
            return current;
        }

        return await VersionAsync(session, name, version, ct);
    }

    /// <summary>One stored version of a tenant metric, read in the tenant's session (RLS); an unknown version is a 404.</summary>
    internal static async Task<MetricDefinition> VersionAsync(TenantSession session, string name, string version, CancellationToken ct)
    {
        await using var context = SpiralDb.For(session);
        var row = await (
            from m in context.TenantMetrics
            join v in context.TenantMetricVersions on new { m.TenantId, m.Name } equals new { v.TenantId, Name = v.MetricName }
            where m.Name == name && v.Version == version
            select new { m.Status, m.ReplacedBy, m.ArchiveReason, v.Definition }).SingleOrDefaultAsync(ct);
        return row is not null
            ? Definition(row.Definition, row.Status, row.ReplacedBy, row.ArchiveReason)
            : throw new NotFoundException($"tenant metric '{name}' has no version '{version}'");
    }

    /// <summary>Every stored version of a tenant metric, oldest first.</summary>
    public async Task<IReadOnlyList<MetricVersionInfo>> VersionsAsync(Guid tenantId, string name, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        List<MetricVersionInfo> versions;
        await using (var context = SpiralDb.For(session))
        {
            versions = await (
                from m in context.TenantMetrics
                join v in context.TenantMetricVersions on new { m.TenantId, m.Name } equals new { v.TenantId, Name = v.MetricName }
                where m.Name == name
                select new MetricVersionInfo(v.Version, v.CreatedAt, v.Checksum, v.EmbedderId, v.Version == m.CurrentVersion)).ToListAsync(ct);
        }

        await session.CommitAsync(ct);
        return versions.Count == 0
            ? throw new NotFoundException($"metric '{name}' is not in this tenant's catalog")
            : versions.OrderBy(v => SemanticVersion.Parse(v.Version)).ToList();
    }

    /// <summary>
    /// Checks a definition (YAML or JSON text) as the tenant would store it — the file rules, the tenant rules, the
    /// shipped catalog and the tenant's other metrics, and PostgreSQL for a SQL metric — and returns every problem
    /// (empty: it would be accepted). Stores nothing.
    /// </summary>
    public async Task<(LoadedMetric? Metric, IReadOnlyList<CatalogProblem> Problems)> ValidateAsync(Guid tenantId, string file, string text, CancellationToken ct)
    {
        if (!file.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) && !file.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
        {
            // A definition sent on its own (API, editor) is checked as the file it would be: NAME.yaml.
            var (parsed, readProblems) = CatalogYamlReader.Read(file, text);
            if (parsed is null)
            {
                return (null, readProblems);
            }

            file = parsed.Definition.Name + ".yaml";
        }

        var others = (await ListAsync(tenantId, ct)).Where(m => m.Definition.Name != Path.GetFileNameWithoutExtension(file)).ToList();
        var (loaded, problems) = await CheckAsync(tenantId, [(file, text)], others, ct);
        return (loaded.FirstOrDefault(), problems);
    }

    /// <summary>
    /// Creates (as a draft) or changes one tenant metric. A changed definition needs a higher version (a new version that
    /// becomes current) — except a draft, whose current version may be rewritten in place. The file's lifecycle fields are
    /// not applied: lifecycle changes through activate and archive.
    /// </summary>
    public async Task<TenantMetricEdit> SaveAsync(Guid tenantId, string? expectedName, string text, string? user, CancellationToken ct)
    {
        var (parsed, readProblems) = CatalogYamlReader.Read("request", text);
        if (parsed is null)
        {
            throw new CatalogValidationException("the metric definition cannot be read; nothing stored", readProblems);
        }

        var name = parsed.Definition.Name;
        var file = name + ".yaml";
        var others = await ListAsync(tenantId, ct);
        var existing = others.FirstOrDefault(m => m.Definition.Name == name)?.Definition;
        if (expectedName is null && existing is not null)
        {
            throw new ConflictException($"metric '{name}' already exists in this tenant's catalog (version {existing.Version}); change it with PUT /api/v1/admin/metrics/{name}");
        }

        if (expectedName is not null)
        {
            if (expectedName != name)
            {
                throw new UserErrorException($"the definition's name '{name}' does not match the metric '{expectedName}' being changed");
            }

            if (existing is null)
            {
                throw new NotFoundException($"metric '{name}' is not in this tenant's catalog{CatalogText.DidYouMean(name, others.Select(m => m.Definition.Name))}; create it with POST /api/v1/admin/metrics");
            }
        }

        var status = existing?.Status ?? MetricStatuses.Draft;
        var (loaded, problems) = await CheckAsync(tenantId, [(file, text)], others.Where(m => m.Definition.Name != name).ToList(), ct);
        if (problems.Count > 0)
        {
            throw new CatalogValidationException($"{problems.Count} problem(s) in the metric definition; nothing stored", problems);
        }

        var definition = loaded[0].Definition with { Status = status, ReplacedBy = existing?.ReplacedBy, DeprecationReason = existing?.DeprecationReason };
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await LockAsync(session, ct);
        var edit = await WriteAsync(session, definition, existing, user, keepLifecycle: true, ct) ?? throw new UserErrorException($"'{name}' changed without a higher version; nothing stored (stored versions are immutable)",
                       [VersionRefusal(loaded[0], existing!)]);
        await session.CommitAsync(ct);
        Log.TenantMetricSaved(logger, tenantId, name, edit.Version, edit.Action);
        return edit;
    }

    /// <summary>A draft (or an archived metric) becomes active: the translator offers it and queries may use it.</summary>
    public Task<MetricDefinition> ActivateAsync(Guid tenantId, string name, CancellationToken ct) =>
        SetLifecycleAsync(tenantId, name, MetricStatuses.Active, null, null, ct);

    /// <summary>An active or draft metric is archived, naming its replacement (an active metric of either layer) when there is one.</summary>
    public async Task<MetricDefinition> ArchiveAsync(Guid tenantId, string name, string? replacedBy, string? reason, CancellationToken ct)
    {
        if (replacedBy is not null)
        {
            var catalog = await shipped.LoadAsync(tenantId, ct);
            if (replacedBy == name || catalog.Find(replacedBy) is not { IsActive: true })
            {
                throw new UserErrorException($"replaced_by: '{replacedBy}' is not an active metric{CatalogText.DidYouMean(replacedBy, catalog.Active.Select(m => m.Name).Where(n => n != name))}");
            }
        }

        return await SetLifecycleAsync(tenantId, name, MetricStatuses.Archived, replacedBy, reason, ct);
    }

    /// <summary>Deletes a draft (every version of it); an active or archived metric cannot be deleted, only archived.</summary>
    public async Task DeleteDraftAsync(Guid tenantId, string name, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await LockAsync(session, ct);
        var current = (await ListAsync(session, ct)).FirstOrDefault(m => m.Definition.Name == name)?.Definition
                      ?? throw new NotFoundException($"metric '{name}' is not in this tenant's catalog");
        if (current.Status != MetricStatuses.Draft)
        {
            throw new ConflictException($"metric '{name}' is {current.Status}: only a draft can be deleted (archive it instead)");
        }

        await using var delete = session.Command("DELETE FROM tenant_metrics WHERE name = $1");
        delete.Parameters.Add(new NpgsqlParameter { Value = name });
        await delete.ExecuteNonQueryAsync(ct);
        await session.CommitAsync(ct);
        Log.TenantMetricDeleted(logger, tenantId, name);
    }

    /// <summary>
    /// Imports a folder's files into the tenant layer, all-or-nothing: every file is checked first (tenant rules, the
    /// shipped catalog, SQL metrics by PostgreSQL); then each metric is added, given a new version or left unchanged, and
    /// its lifecycle follows the file. Metrics absent from the files are kept.
    /// </summary>
    public async Task<IReadOnlyList<TenantMetricEdit>> ImportAsync(Guid tenantId, IReadOnlyList<(string File, string Text)> files, string? user, CancellationToken ct)
    {
        var stored = await ListAsync(tenantId, ct);
        var names = files.Select(f => Path.GetFileNameWithoutExtension(f.File)).ToHashSet(StringComparer.Ordinal);
        var (loaded, problems) = await CheckAsync(tenantId, files, stored.Where(m => !names.Contains(m.Definition.Name)).ToList(), ct);
        if (problems.Count > 0)
        {
            throw new CatalogValidationException($"{problems.Count} problem(s) in the tenant catalog files; nothing imported", problems);
        }

        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await LockAsync(session, ct);
        var edits = new List<TenantMetricEdit>();
        var refusals = new List<string>();
        foreach (var metric in loaded)
        {
            var existing = stored.FirstOrDefault(m => m.Definition.Name == metric.Definition.Name)?.Definition;
            var edit = await WriteAsync(session, metric.Definition, existing, user, keepLifecycle: false, ct);
            if (edit is null)
            {
                refusals.Add(VersionRefusal(metric, existing!));
            }
            else
            {
                edits.Add(edit);
            }
        }

        if (refusals.Count > 0)
        {
            throw new UserErrorException($"{refusals.Count} changed metric(s) without a higher version; nothing imported (stored versions are immutable)", refusals);
        }

        await session.CommitAsync(ct);
        return edits;
    }

    private async Task<(IReadOnlyList<LoadedMetric> Loaded, IReadOnlyList<CatalogProblem> Problems)> CheckAsync(
        Guid tenantId, IReadOnlyList<(string File, string Text)> files, IReadOnlyList<TenantMetric> others, CancellationToken ct)
    {
        var beneath = (await shipped.LoadAsync(ct)).All.Where(m => others.All(o => o.Definition.Name != m.Name))
            .Concat(others.Select(o => o.Definition));
        var result = CatalogLoader.LoadTenant(files, new MetricCatalog(beneath));
        var problems = result.Problems.ToList();
        if (problems.Count == 0)
        {
            problems.AddRange(await UnknownValuesAsync(tenantId, result.Metrics, ct));
        }

        if (problems.Count == 0)
        {
            foreach (var metric in result.Metrics.Where(m => m.Definition.Type == MetricTypes.Sql))
            {
                problems.AddRange(await sqlChecker.CheckAsync(tenantId, metric, ct));
            }
        }

        return (result.Metrics, problems);
    }

    /// <summary>
    /// Row-filter values the tenant's data does not have (a typo would filter every row away), with the nearest member.
    /// A dimension with no members yet (no data imported) is not checked.
    /// </summary>
    private async Task<IReadOnlyList<CatalogProblem>> UnknownValuesAsync(Guid tenantId, IReadOnlyList<LoadedMetric> metrics, CancellationToken ct)
    {
        var filters = metrics.SelectMany(m => new[] { ("", m.Definition.Where), ("numerator_of.", m.Definition.NumeratorOf?.Where), ("denominator_of.", m.Definition.DenominatorOf?.Where) }
                .Where(w => w.Item2 is not null)
                .SelectMany(w => w.Item2!.Where(d => Queries.TenantDimensionReader.Readable.Contains(d.Key)).Select(d => (Metric: m, Prefix: w.Item1, Dimension: d.Key, Values: d.Value))))
            .ToList();
        if (filters.Count == 0)
        {
            return [];
        }

        Core.Specs.DimensionValues members;
        await using (var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct))
        {
            members = await Queries.TenantDimensionReader.ReadAsync(session, filters.Select(f => f.Dimension), ct);
            await session.CommitAsync(ct);
        }

        var problems = new List<CatalogProblem>();
        foreach (var (metric, prefix, dimension, values) in filters)
        {
            var known = members.Members(dimension);
            for (var i = 0; i < values.Count && known.Count > 0; i++)
            {
                if (members.Resolve(dimension, values[i]) is null)
                {
                    var field = $"{prefix}where.{dimension}[{i}]";
                    problems.Add(new CatalogProblem(metric.File, metric.Lines.LineOf(field), field,
                        $"'{values[i]}' is not a {dimension.Replace('_', ' ')} in this tenant's data{CatalogText.DidYouMean(values[i], known.Select(k => k.Value))}" +
                        (known.Count <= 12 ? $" (values: {string.Join(", ", known.Select(k => k.Value))})" : "")));
                }
            }
        }

        return problems;
    }

    private static string VersionRefusal(LoadedMetric metric, MetricDefinition existing)
    {
        var d = metric.Definition;
        var where = $"{metric.File}:{metric.Lines.LineOf("version")}: version";
        return d.Version == existing.Version
            ? $"{where}: '{d.Name}' changed but still says version {d.Version}, the stored version: bump it (patch for wording, minor for additions, major for a change of meaning)"
            : $"{where}: '{d.Name}' changed but its version {d.Version} is lower than the stored {existing.Version}: a new version must be higher";
    }

    /// <summary>One writer per tenant catalog at a time (the versions check reads, then writes).</summary>
    private static async Task LockAsync(TenantSession session, CancellationToken ct)
    {
        await using var command = session.Command("SELECT pg_advisory_xact_lock(hashtext('spiral:tenant-catalog:' || $1))");
        command.Parameters.Add(new NpgsqlParameter { Value = session.TenantId.ToString() });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Writes one definition; null when it changed without a higher version (and is not a draft rewritten in place).</summary>
    private async Task<TenantMetricEdit?> WriteAsync(TenantSession session, MetricDefinition d, MetricDefinition? existing, string? user,
        bool keepLifecycle, CancellationToken ct)
    {
        var checksum = MetricJson.Checksum(d);
        string action;
        if (existing is null)
        {
            await InsertMetricAsync(session, d, user, ct);
            await InsertVersionAsync(session, d, user, ct);
            action = "added";
        }
        else if (MetricJson.Checksum(existing) == checksum)
        {
            action = "unchanged";
        }
        else if (SemanticVersion.Parse(d.Version) > SemanticVersion.Parse(existing.Version))
        {
            await InsertVersionAsync(session, d, user, ct);
            action = "new_version";
        }
        else if (existing.Status == MetricStatuses.Draft && d.Version == existing.Version)
        {
            await using var delete = session.Command("DELETE FROM tenant_metric_versions WHERE metric_name = $1 AND version = $2");
            delete.Parameters.Add(new NpgsqlParameter { Value = d.Name });
            delete.Parameters.Add(new NpgsqlParameter { Value = d.Version });
            await delete.ExecuteNonQueryAsync(ct);
            await InsertVersionAsync(session, d, user, ct);
            action = "draft_updated";
        }
        else
        {
            return null;
        }

        await using (var update = session.Command(
            """
            UPDATE tenant_metrics SET current_version = $2, status = $3, replaced_by = $4, archive_reason = $5, updated_at = now()
            WHERE name = $1 AND ($6 OR (current_version, status, replaced_by, archive_reason) IS DISTINCT FROM ($2, $3, $4, $5))
            """))
        {
            var lifecycle = keepLifecycle && existing is not null ? existing : d;
            update.Parameters.Add(new NpgsqlParameter { Value = d.Name });
            update.Parameters.Add(new NpgsqlParameter { Value = action == "unchanged" ? existing!.Version : d.Version });
            update.Parameters.Add(new NpgsqlParameter { Value = lifecycle.Status });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)lifecycle.ReplacedBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)lifecycle.DeprecationReason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            update.Parameters.Add(new NpgsqlParameter { Value = action != "unchanged" });
            await update.ExecuteNonQueryAsync(ct);
        }

        var stored = (await ListAsync(session, ct)).First(m => m.Definition.Name == d.Name).Definition;
        return new TenantMetricEdit(action, stored.Version, action is "new_version" ? existing!.Version : null, stored);
    }

    private static async Task InsertMetricAsync(TenantSession session, MetricDefinition d, string? user, CancellationToken ct)
    {
        await using var command = session.Command(
            "INSERT INTO tenant_metrics (tenant_id, name, status, current_version, created_by) VALUES ($1, $2, $3, $4, $5)");
        command.Parameters.Add(new NpgsqlParameter { Value = session.TenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = d.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = d.Status });
        command.Parameters.Add(new NpgsqlParameter { Value = d.Version });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)user ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task InsertVersionAsync(TenantSession session, MetricDefinition d, string? user, CancellationToken ct)
    {
        var text = CatalogEmbeddings.SearchText(d);
        var vector = (await embedder.GenerateAsync([text], cancellationToken: ct))[0].Vector.ToArray();
        await using var command = session.Command(
            """
            INSERT INTO tenant_metric_versions (tenant_id, metric_name, version, definition, checksum, search_text, embedding, embedder_id, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7::vector, $8, $9)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = session.TenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = d.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = d.Version });
        command.Parameters.Add(new NpgsqlParameter { Value = MetricJson.Versioned(d), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = MetricJson.Checksum(d) });
        command.Parameters.Add(new NpgsqlParameter { Value = text });
        command.Parameters.Add(new NpgsqlParameter { Value = CatalogEmbeddings.ToVectorLiteral(vector) });
        command.Parameters.Add(new NpgsqlParameter { Value = CatalogEmbeddings.IdentityOf(embedder) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)user ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<MetricDefinition> SetLifecycleAsync(Guid tenantId, string name, string status, string? replacedBy, string? reason, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await LockAsync(session, ct);
        var metrics = await ListAsync(session, ct);
        var current = metrics.FirstOrDefault(m => m.Definition.Name == name)?.Definition
                      ?? throw new NotFoundException($"metric '{name}' is not in this tenant's catalog{CatalogText.DidYouMean(name, metrics.Select(m => m.Definition.Name))}");
        if (current.Status == status && status == MetricStatuses.Active)
        {
            return current;
        }

        await using (var update = session.Command(
            "UPDATE tenant_metrics SET status = $2, replaced_by = $3, archive_reason = $4, updated_at = now() WHERE name = $1"))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = name });
            update.Parameters.Add(new NpgsqlParameter { Value = status });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)replacedBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await update.ExecuteNonQueryAsync(ct);
        }

        var stored = (await ListAsync(session, ct)).First(m => m.Definition.Name == name).Definition;
        await session.CommitAsync(ct);
        Log.TenantMetricLifecycle(logger, tenantId, name, status);
        return stored;
    }

    /// <summary>A tenant metric from its stored version's JSON and its lifecycle.</summary>
    internal static MetricDefinition Definition(string json, string status, string? replacedBy, string? archiveReason) =>
        MetricJson.FromVersioned(json, status, replacedBy, archiveReason) with { Layer = CatalogLayers.Tenant };
}
