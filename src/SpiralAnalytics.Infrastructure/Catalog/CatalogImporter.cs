using Microsoft.EntityFrameworkCore;
using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Catalog;

public enum MetricImportAction
{
    Unchanged,
    Added,
    NewVersion,
}

/// <summary>What import did to one metric; <see cref="Lifecycle"/> says how its status changed, if it did.</summary>
public sealed record MetricImportResult(string Name, MetricImportAction Action, string Version, string? PreviousVersion, string? Lifecycle);

public sealed record CatalogImportReport(IReadOnlyList<MetricImportResult> Metrics, int Reembedded, string EmbedderId, TimeSpan Duration)
{
    public int Count(MetricImportAction action) => Metrics.Count(m => m.Action == action);

    public bool ChangedAnything => Reembedded > 0 || Metrics.Any(m => m.Action != MetricImportAction.Unchanged || m.Lifecycle is not null);
}

/// <summary>
/// Imports a catalog folder, all-or-nothing and idempotently: an unchanged definition (same checksum of its versioned
/// JSON) does nothing; a changed one becomes a new version only if it carries a higher version than the current one,
/// otherwise the whole import is refused, saying why. Old versions are never touched. Lifecycle fields (status,
/// replaced_by, deprecation_reason) follow the files. Embeddings are computed for new versions and recomputed for any
/// version embedded by another embedder than the configured one.
/// </summary>
public sealed class CatalogImporter(
    SpiralDataSources data,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    ILogger<CatalogImporter> logger)
{
    public Task<CatalogImportReport> ImportAsync(string folder, CancellationToken ct) => ImportAsync(folder, CatalogLoader.Load(folder), ct);

    /// <summary>Imports an already loaded catalog (<paramref name="folder"/> names its source in messages), e.g. the stored one with one metric edited.</summary>
    public async Task<CatalogImportReport> ImportAsync(string folder, CatalogLoadResult loaded, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        if (!loaded.IsValid)
        {
            throw new UserErrorException($"{folder}: {loaded.Problems.Count} problem(s) in the catalog; nothing imported",
                loaded.Problems.Select(p => p.ToString()).ToList());
        }

        var embedderId = CatalogEmbeddings.IdentityOf(embedder);
        await using var connection = await data.Owner.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await Execute(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext('spiral:catalog'))", ct);

        var stored = await StoredAsync(connection, transaction, ct);
        var results = new List<MetricImportResult>();
        var refusals = new List<string>();
        var toInsert = new List<(LoadedMetric Metric, bool IsNew)>();
        foreach (var metric in loaded.Metrics)
        {
            var d = metric.Definition;
            var checksum = MetricJson.Checksum(d);
            if (!stored.TryGetValue(d.Name, out var current))
            {
                toInsert.Add((metric, true));
                results.Add(new MetricImportResult(d.Name, MetricImportAction.Added, d.Version, null, null));
                continue;
            }

            var lifecycle = LifecycleChange(current, d);
            if (current.Checksum == checksum)
            {
                results.Add(new MetricImportResult(d.Name, MetricImportAction.Unchanged, d.Version, null, lifecycle));
            }
            else if (SemanticVersion.Parse(d.Version) > SemanticVersion.Parse(current.Version))
            {
                toInsert.Add((metric, false));
                results.Add(new MetricImportResult(d.Name, MetricImportAction.NewVersion, d.Version, current.Version, lifecycle));
            }
            else
            {
                var where = $"{metric.File}:{metric.Lines.LineOf("version")}";
                refusals.Add(d.Version == current.Version
                    ? $"{where}: '{d.Name}' changed but still says version {d.Version}, the stored version: bump it (patch for wording, minor for additions, major for a change of meaning)"
                    : $"{where}: '{d.Name}' changed but its version {d.Version} is lower than the stored {current.Version}: a new version must be higher");
            }
        }

        if (refusals.Count > 0)
        {
            throw new UserErrorException(
                $"{folder}: {refusals.Count} changed metric(s) without a higher version; nothing imported (stored versions are immutable)", refusals);
        }

        var vectors = await EmbedAsync(toInsert.Select(m => CatalogEmbeddings.SearchText(m.Metric.Definition)).ToList(), ct);
        for (var i = 0; i < toInsert.Count; i++)
        {
            var (metric, isNew) = toInsert[i];
            await InsertVersionAsync(connection, transaction, metric.Definition, isNew, vectors[i], embedderId, ct);
            if (!isNew)
            {
                Log.MetricVersionCreated(logger, metric.Definition.Name, metric.Definition.Version, stored[metric.Definition.Name].Version);
            }
        }

        foreach (var metric in loaded.Metrics.Where(m => results.Any(r => r.Name == m.Definition.Name && (r.Lifecycle is not null || r.Action == MetricImportAction.Added))))
        {
            await SetLifecycleAsync(connection, transaction, metric.Definition, ct);
        }

        var reembedded = await ReembedAsync(connection, transaction, embedderId, ct);
        await transaction.CommitAsync(ct);

        var report = new CatalogImportReport(results, reembedded, embedderId, started.Elapsed);
        Log.CatalogImported(logger, folder, report.Count(MetricImportAction.Added), report.Count(MetricImportAction.NewVersion),
            report.Count(MetricImportAction.Unchanged), reembedded, started.ElapsedMilliseconds);
        return report;
    }

    private sealed record StoredState(string Version, string Checksum, string Status, string? ReplacedBy, string? Reason);

    private static async Task<Dictionary<string, StoredState>> StoredAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var context = SpiralDb.ForOwner(connection, transaction);
        var rows = await (
            from m in context.Metrics
            join v in context.MetricVersions on new { Name = m.Name, Version = m.CurrentVersion } equals new { Name = v.MetricName, v.Version }
            select new { m.Name, m.CurrentVersion, v.Checksum, m.Status, m.ReplacedBy, m.DeprecationReason }).ToListAsync(ct);
        return rows.ToDictionary(r => r.Name, r => new StoredState(r.CurrentVersion, r.Checksum, r.Status, r.ReplacedBy, r.DeprecationReason),
            StringComparer.Ordinal);
    }

    private static string? LifecycleChange(StoredState stored, MetricDefinition file) =>
        (stored.Status, file.Status) switch
        {
            (MetricStatuses.Active, MetricStatuses.Deprecated) => $"deprecated, replaced by {file.ReplacedBy}",
            (MetricStatuses.Deprecated, MetricStatuses.Active) => $"active again (was deprecated, replaced by {stored.ReplacedBy})",
            _ when stored.ReplacedBy != file.ReplacedBy => $"now replaced by {file.ReplacedBy} (was {stored.ReplacedBy})",
            _ when stored.Reason != file.DeprecationReason => "deprecation reason updated",
            _ => null,
        };

    private async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        var embeddings = await embedder.GenerateAsync(texts, cancellationToken: ct);
        return embeddings.Select(e => e.Vector.ToArray()).ToArray();
    }

    private static async Task InsertVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MetricDefinition d, bool isNew,
        float[] vector, string embedderId, CancellationToken ct)
    {
        await using (var metric = new NpgsqlCommand(
            isNew
                ? "INSERT INTO metrics (name, category, current_version) VALUES ($1, $2, $3)"
                : "UPDATE metrics SET category = $2, current_version = $3, updated_at = now() WHERE name = $1",
            connection, transaction))
        {
            metric.Parameters.Add(new NpgsqlParameter { Value = d.Name });
            metric.Parameters.Add(new NpgsqlParameter { Value = d.Category });
            metric.Parameters.Add(new NpgsqlParameter { Value = d.Version });
            await metric.ExecuteNonQueryAsync(ct);
        }

        await using var version = new NpgsqlCommand(
            """
            INSERT INTO metric_versions (metric_name, version, definition, checksum, search_text, embedding, embedder_id)
            VALUES ($1, $2, $3, $4, $5, $6::vector, $7)
            """, connection, transaction);
        version.Parameters.Add(new NpgsqlParameter { Value = d.Name });
        version.Parameters.Add(new NpgsqlParameter { Value = d.Version });
        version.Parameters.Add(new NpgsqlParameter { Value = MetricJson.Versioned(d), NpgsqlDbType = NpgsqlDbType.Jsonb });
        version.Parameters.Add(new NpgsqlParameter { Value = MetricJson.Checksum(d) });
        version.Parameters.Add(new NpgsqlParameter { Value = CatalogEmbeddings.SearchText(d) });
        version.Parameters.Add(new NpgsqlParameter { Value = CatalogEmbeddings.ToVectorLiteral(vector) });
        version.Parameters.Add(new NpgsqlParameter { Value = embedderId });
        await version.ExecuteNonQueryAsync(ct);
    }

    private static async Task SetLifecycleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MetricDefinition d, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE metrics SET status = $2, replaced_by = $3, deprecation_reason = $4, updated_at = now() WHERE name = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = d.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = d.Status });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)d.ReplacedBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)d.DeprecationReason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Recomputes every stored embedding made by another embedder (or none), old versions included, from its definition.</summary>
    private async Task<int> ReembedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string embedderId, CancellationToken ct)
    {
        List<(string Name, string Version, string Text)> stale;
        await using (var context = SpiralDb.ForOwner(connection, transaction))
        {
            var rows = await context.MetricVersions
                .Where(v => v.EmbedderId == null || v.EmbedderId != embedderId || v.Embedding == null)
                .Select(v => new { v.MetricName, v.Version, v.Definition }).ToListAsync(ct);
            stale = [.. rows.Select(r => (r.MetricName, r.Version,
                CatalogEmbeddings.SearchText(MetricJson.FromVersioned(r.Definition, MetricStatuses.Active, null, null))))];
        }

        if (stale.Count == 0)
        {
            return 0;
        }

        var vectors = await EmbedAsync(stale.Select(s => s.Text).ToList(), ct);
        for (var i = 0; i < stale.Count; i++)
        {
            await using var update = new NpgsqlCommand(
                "UPDATE metric_versions SET embedding = $3::vector, embedder_id = $4, search_text = $5 WHERE metric_name = $1 AND version = $2",
                connection, transaction);
            update.Parameters.Add(new NpgsqlParameter { Value = stale[i].Name });
            update.Parameters.Add(new NpgsqlParameter { Value = stale[i].Version });
            update.Parameters.Add(new NpgsqlParameter { Value = CatalogEmbeddings.ToVectorLiteral(vectors[i]) });
            update.Parameters.Add(new NpgsqlParameter { Value = embedderId });
            update.Parameters.Add(new NpgsqlParameter { Value = stale[i].Text });
            await update.ExecuteNonQueryAsync(ct);
        }

        Log.EmbeddingsRecomputed(logger, stale.Count, embedderId);
        return stale.Count;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }
}
