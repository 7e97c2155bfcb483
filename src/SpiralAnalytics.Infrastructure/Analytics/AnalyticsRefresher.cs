using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Analytics;

/// <summary>
/// What one refresh did: the new data version, how long it took, whether it rebuilt every row (<see cref="Full"/>) or only the
/// rows of what changed (and why it was full), and each view's rows written.
/// </summary>
public sealed record RefreshReport(long DataVersion, TimeSpan Duration, IReadOnlyList<ViewRefresh> Views)
{
    /// <summary>What ran after the views (e.g. tenant metrics materialized), one line each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>How long the followers (<see cref="IAfterRefresh"/>) took after the commit; <see cref="Duration"/> ends at the commit.</summary>
    public TimeSpan AfterCommit { get; init; }

    public bool Full { get; init; } = true;

    /// <summary>Why a refresh rebuilt everything (asked for, a team changed, ...); null for a partial one.</summary>
    public string? FullBecause { get; init; }
}

/// <summary>One view's part: rows written (every row of a full refresh; the rewritten keys' rows of a partial one) and rows deleted.</summary>
public sealed record ViewRefresh(string View, long Rows, TimeSpan Duration)
{
    public long Deleted { get; init; }

    public bool Full { get; init; } = true;
}

/// <summary>
/// What runs after each successful refresh, in registration order (tenant metrics are materialized, the alert evaluation
/// is enqueued); a failing follower never fails the refresh, which has committed.
/// </summary>
public interface IAfterRefresh
{
    /// <summary>A one-line summary for the refresh's report, or null.</summary>
    Task<string?> AfterRefreshAsync(long dataVersion, CancellationToken ct);
}

/// <summary>
/// Refreshes the analytics views (owner role; tables filled by one SQL function each, migration 0019) in dependency order, in
/// one transaction so queries keep reading the previous rows meanwhile and never wait, and records the refresh in it: its id
/// is the new data version. A partial refresh (the default) rewrites only the rows of what changed since the last one
/// (<see cref="RefreshScope"/>); a full one rebuilds every row, with the same functions, so both give the same rows.
/// One refresh at a time (advisory lock); a second caller waits for the first and then refreshes again.
/// </summary>
public sealed class AnalyticsRefresher(
    SpiralDataSources data, ILogger<AnalyticsRefresher> logger, IEnumerable<IAfterRefresh>? followers = null, SprintZStore? zScores = null)
{
    private const long LockKey = 0x5350_4952_4146; // "SPIRAF"

    /// <summary>The views' tables in dependency order (<see cref="AnalyticsViews.All"/>).</summary>
    public static readonly IReadOnlyList<string> MaterializedViews = [.. AnalyticsViews.All.Select(v => v.Name)];

    /// <summary>A partial refresh when what changed is known, else a full one.</summary>
    public Task<RefreshReport> RefreshAsync(IProgress<ViewRefresh>? progress, CancellationToken ct) => RefreshAsync(full: false, progress, ct);

    public async Task<RefreshReport> RefreshAsync(bool full, IProgress<ViewRefresh>? progress, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await using var connection = await data.Owner.OpenConnectionAsync(ct);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({LockKey})", ct);
        try
        {
            long version;
            RefreshScope scope;
            var views = new List<ViewRefresh>();
            await using (var transaction = await connection.BeginTransactionAsync(ct))
            {
                // The instant every "still open" row is computed against: the transaction's now(), recorded with the refresh.
                DateTimeOffset asOf;
                DateTimeOffset? previousAsOf;
                await using (var instants = new NpgsqlCommand(
                    "SELECT now(), (SELECT as_of FROM analytics_refreshes ORDER BY id DESC LIMIT 1)", connection, transaction))
                await using (var reader = await instants.ExecuteReaderAsync(ct))
                {
                    await reader.ReadAsync(ct);
                    asOf = reader.GetFieldValue<DateTimeOffset>(0);
                    previousAsOf = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
                }

                scope = await RefreshScope.TakeAsync(connection, transaction, full, previousAsOf, asOf, ct);
                foreach (var view in AnalyticsViews.All)
                {
                    var refresh = await RefreshViewAsync(connection, transaction, view, scope.For(view.Key), asOf, ct);
                    views.Add(refresh);
                    progress?.Report(refresh);
                }

                // The stored z-scores of the composites' components (0021) of every tenant of a full refresh, else of every tenant
                // whose rows it rewrote, are forgotten here and stored again after the commit (SprintZStore, a follower); a host
                // without the catalog stores none: answers compute them.
                if (zScores is not null)
                {
                    var sets = new[] { scope.Issues, scope.Sprints, scope.Teams, scope.PlacedSprints };
                    await zScores.ForgetAsync(connection, transaction,
                        scope.FullBecause is not null || sets.Any(k => k.All) ? null : sets.SelectMany(k => k.Tenants).Distinct().ToArray(), ct);
                }

                await using var record = new NpgsqlCommand(
                    """
                    INSERT INTO analytics_refreshes (started_at, finished_at, duration_ms, row_counts, as_of, mode)
                    VALUES ($1, clock_timestamp(), $2, $3::jsonb, $4, $5) RETURNING id
                    """,
                    connection, transaction);
                record.Parameters.Add(new NpgsqlParameter { Value = started });
                record.Parameters.Add(new NpgsqlParameter { Value = (int)clock.ElapsedMilliseconds });
                record.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(views.ToDictionary(v => v.View, v => v.Rows)) });
                record.Parameters.Add(new NpgsqlParameter { Value = asOf });
                record.Parameters.Add(new NpgsqlParameter { Value = scope.FullBecause is null ? "partial" : "full" });
                version = (long)(await record.ExecuteScalarAsync(ct))!;
                await transaction.CommitAsync(ct);
            }

            // the refresh's duration: until its rows are visible; what the followers take after that is reported apart
            var committed = clock.Elapsed;
            Log.AnalyticsRefreshed(logger, version, scope.FullBecause is null ? "partial" : "full", clock.ElapsedMilliseconds);
            var notes = new List<string>();
            foreach (var follower in followers ?? [])
            {
                // Its own failures are recorded by the follower; anything else must not undo a refresh that committed.
                try
                {
                    if (await follower.AfterRefreshAsync(version, ct) is { } note)
                    {
                        notes.Add(note);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.AfterRefreshFailed(logger, e, follower.GetType().Name);
                    notes.Add($"{follower.GetType().Name} failed: {e.Message}");
                }
            }

            return new RefreshReport(version, committed, views)
            {
                Notes = notes, Full = scope.FullBecause is not null, FullBecause = scope.FullBecause, AfterCommit = clock.Elapsed - committed,
            };
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    private static async Task<ViewRefresh> RefreshViewAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AnalyticsView view, ScopeKeys keys, DateTimeOffset asOf, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        if (keys.All)
        {
            await using var rebuild = new NpgsqlBatch(connection, transaction) { Timeout = 0 };
            var delete = new NpgsqlBatchCommand(view.DeleteAllSql);
            var insert = new NpgsqlBatchCommand(view.RebuildSql);
            if (view.ReadsAsOf)
            {
                insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = asOf });
            }

            rebuild.BatchCommands.Add(delete);
            rebuild.BatchCommands.Add(insert);
            await rebuild.ExecuteNonQueryAsync(ct);
            // The views after this one are planned on its statistics: give them today's.
            await ExecuteAsync(connection, transaction, $"ANALYZE {view.Name}", ct);
            return new ViewRefresh(view.Name, insert.RecordsAffected, clock.Elapsed) { Deleted = delete.RecordsAffected };
        }

        if (keys.IsEmpty)
        {
            return new ViewRefresh(view.Name, 0, clock.Elapsed) { Full = false };
        }

        await using var partial = new NpgsqlBatch(connection, transaction) { Timeout = 0 };
        var deleteKeys = new NpgsqlBatchCommand(view.DeleteSql);
        var insertKeys = new NpgsqlBatchCommand(view.InsertSql);
        foreach (var command in new[] { deleteKeys, insertKeys })
        {
            command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = keys.Tenants });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = keys.Ids });
        }

        if (view.ReadsAsOf)
        {
            insertKeys.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = asOf });
        }

        partial.BatchCommands.Add(deleteKeys);
        partial.BatchCommands.Add(insertKeys);
        await partial.ExecuteNonQueryAsync(ct);
        return new ViewRefresh(view.Name, insertKeys.RecordsAffected, clock.Elapsed) { Deleted = deleteKeys.RecordsAffected, Full = false };
    }

    /// <summary>The current data version (0 before the first refresh); readable by the runtime role.</summary>
    public static async Task<long> DataVersionAsync(NpgsqlDataSource source, CancellationToken ct)
    {
        await using var command = source.CreateCommand("SELECT coalesce(max(id), 0) FROM analytics_refreshes");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }
}
