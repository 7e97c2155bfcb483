using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>
/// Deprecates a metric in favour of an active replacement, with a reason. Its versions stay readable and queryable
/// (with a warning); the translator no longer offers it. Not a new version: lifecycle belongs to the metric.
/// </summary>
public sealed class CatalogDeprecator(SpiralDataSources data, CatalogReader reader, ILogger<CatalogDeprecator> logger)
{
    public async Task<MetricDefinition> DeprecateAsync(string name, string replacedBy, string? reason, CancellationToken ct)
    {
        await using var connection = await data.Owner.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('spiral:catalog'))", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        Dictionary<string, (string Status, string? ReplacedBy)> statuses;
        await using (var context = SpiralDb.ForOwner(connection, transaction))
        {
            statuses = (await context.Metrics.Select(m => new { m.Name, m.Status, m.ReplacedBy }).ToListAsync(ct))
                .ToDictionary(m => m.Name, m => (m.Status, m.ReplacedBy), StringComparer.Ordinal);
        }

        if (!statuses.ContainsKey(name))
        {
            throw new NotFoundException($"metric '{name}' is not in the catalog{CatalogText.DidYouMean(name, statuses.Keys)}");
        }

        if (replacedBy == name)
        {
            throw new UserErrorException($"metric '{name}' cannot replace itself");
        }

        if (!statuses.TryGetValue(replacedBy, out var replacement))
        {
            throw new NotFoundException($"replacement '{replacedBy}' is not in the catalog{CatalogText.DidYouMean(replacedBy, statuses.Keys)}");
        }

        if (replacement.Status != MetricStatuses.Active)
        {
            throw new UserErrorException($"replacement '{replacedBy}' is deprecated itself (replaced by {replacement.ReplacedBy}); name an active metric");
        }

        var dependents = statuses.Where(s => s.Value.ReplacedBy == name).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        if (dependents.Count > 0)
        {
            throw new UserErrorException(
                $"metric '{name}' is the replacement of {string.Join(", ", dependents)}; point them at another active metric first");
        }

        await using (var update = new NpgsqlCommand(
            "UPDATE metrics SET status = 'deprecated', replaced_by = $2, deprecation_reason = $3, updated_at = now() WHERE name = $1",
            connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = name });
            update.Parameters.Add(new NpgsqlParameter { Value = replacedBy });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await update.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        Log.MetricDeprecated(logger, name, replacedBy);
        return await reader.GetAsync(name, null, ct);
    }
}
