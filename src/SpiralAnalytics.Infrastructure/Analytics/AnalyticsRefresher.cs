using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Analytics;

/// <summary>What one refresh did: the new data version, how long it took, and the rows of each view.</summary>
public sealed record RefreshReport(long DataVersion, TimeSpan Duration, IReadOnlyList<ViewRefresh> Views)
{
    /// <summary>What ran after the views (e.g. tenant metrics materialized), one line each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

public sealed record ViewRefresh(string View, long Rows, TimeSpan Duration);

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
/// Refreshes the analytics materialized views (owner role) in dependency order, concurrently so queries keep
/// reading the previous contents meanwhile, then records the refresh: its id is the new data version.
/// One refresh at a time (advisory lock); a second caller waits for the first and then refreshes again.
/// </summary>
public sealed class AnalyticsRefresher(SpiralDataSources data, ILogger<AnalyticsRefresher> logger, IEnumerable<IAfterRefresh>? followers = null)
{
    private const long LockKey = 0x5350_4952_4146; // "SPIRAF"

    /// <summary>Dependency order: each view reads only base tables and the views before it.</summary>
    public static readonly IReadOnlyList<string> MaterializedViews =
    [
        "mv_merged_blocks", "mv_issue_comment_stats", "mv_issue_flow", "mv_issue_events",
        "mv_sprint_issue_facts", "mv_sprint_stats", "mv_team_daily_wip", "mv_issue_idle_segments",
    ];

    public async Task<RefreshReport> RefreshAsync(IProgress<ViewRefresh>? progress, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await using var connection = await data.Owner.OpenConnectionAsync(ct);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({LockKey})", ct);
        try
        {
            var populated = await PopulatedAsync(connection, ct);
            var views = new List<ViewRefresh>();
            foreach (var view in MaterializedViews)
            {
                var viewClock = Stopwatch.StartNew();
                // CONCURRENTLY needs a populated view; the first refresh of an unpopulated one is a plain one.
                var concurrently = populated.Contains(view) ? "CONCURRENTLY " : "";
                await ExecuteAsync(connection, $"REFRESH MATERIALIZED VIEW {concurrently}{view}", ct);
                // The views after this one are planned on its statistics: give them today's.
                await ExecuteAsync(connection, $"ANALYZE {view}", ct);
                var rows = await ScalarAsync<long>(connection, $"SELECT count(*) FROM {view}", ct);
                var refresh = new ViewRefresh(view, rows, viewClock.Elapsed);
                views.Add(refresh);
                progress?.Report(refresh);
            }

            await using var record = new NpgsqlCommand(
                "INSERT INTO analytics_refreshes (started_at, finished_at, duration_ms, row_counts) VALUES ($1, now(), $2, $3::jsonb) RETURNING id",
                connection);
            record.Parameters.Add(new NpgsqlParameter { Value = started });
            record.Parameters.Add(new NpgsqlParameter { Value = (int)clock.ElapsedMilliseconds });
            record.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(views.ToDictionary(v => v.View, v => v.Rows)) });
            var version = (long)(await record.ExecuteScalarAsync(ct))!;
            Log.AnalyticsRefreshed(logger, version, clock.ElapsedMilliseconds);
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

            return new RefreshReport(version, clock.Elapsed, views) { Notes = notes };
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    /// <summary>The current data version (0 before the first refresh); readable by the runtime role.</summary>
    public static async Task<long> DataVersionAsync(NpgsqlDataSource source, CancellationToken ct)
    {
        await using var command = source.CreateCommand("SELECT coalesce(max(id), 0) FROM analytics_refreshes");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<HashSet<string>> PopulatedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT matviewname FROM pg_matviews WHERE schemaname = 'public' AND ispopulated", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }
}
