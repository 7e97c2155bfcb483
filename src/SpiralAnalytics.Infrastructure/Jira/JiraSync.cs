using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Jira;

/// <summary>One board to sync into one tenant. <paramref name="Full"/> ignores the last sync and reads every issue.</summary>
public sealed record JiraSyncRequest(string Tenant, string Url, long BoardId, JiraCredentials Credentials, bool Full = false);

/// <summary>What a sync read and what it wrote (per table: inserted, updated, unchanged).</summary>
public sealed record JiraSyncReport(
    string Tenant,
    Uri Site,
    JiraBoard Board,
    DateTimeOffset? Since,
    int Sprints,
    int Issues,
    IReadOnlyList<TableImport> Tables,
    IReadOnlyList<string> Warnings,
    TimeSpan Duration)
{
    public bool ChangedAnything => Tables.Any(t => t.Inserted + t.Updated > 0);
}

/// <summary>
/// Syncs a Jira board into a tenant: reads the board's sprints and the issues changed since the last committed sync
/// (all of them the first time) with their changelogs, maps them to bundle rows and loads them through
/// <see cref="BundleImporter.UpsertAsync"/>, the CSV import's own path. Nothing is written until everything was read;
/// the rows and the new sync time commit in one tenant transaction, so a failed sync changes nothing and the next one
/// starts again from the last committed time. The upsert is keyed, so re-reading an issue never duplicates it.
/// </summary>
public sealed class JiraSync(
    TenantDirectory tenants, JiraClientFactory clients, IOptions<JiraOptions> options, TimeProvider time, ILogger<JiraSync> logger)
{
    public async Task<JiraSyncReport> SyncAsync(JiraSyncRequest request, IProgress<JiraSyncProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var settings = options.Value;
        var site = JiraClient.NormalizeSite(request.Url);
        await tenants.ResolveAsync(request.Tenant, ct); // an unknown tenant fails before Jira is asked anything
        var startedAt = time.GetUtcNow();
        var since = request.Full ? null : await LastSyncAsync(request.Tenant, site, request.BoardId, ct);
        Log.JiraSyncStarted(logger, request.BoardId, site, request.Tenant, since?.ToString("O", CultureInfo.InvariantCulture) ?? "the beginning");

        using var client = clients.Create(site, request.Credentials, settings);
        var board = await client.GetBoardAsync(request.BoardId, ct);
        var (fields, fieldWarnings) = await FieldsAsync(client, settings, ct);
        var statuses = await client.GetStatusesAsync(ct);
        var sprints = board.HasSprints ? await client.GetSprintsAsync(board.Id, progress, ct) : [];
        var jql = since is { } last
            ? $"updated >= \"{(last - settings.SyncOverlap).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}\""
            : null;
        var issues = await client.GetBoardIssuesAsync(board.Id, jql, fields.SearchFields, progress, ct);

        var mapping = JiraMapper.Map(new JiraSnapshot(board, sprints, issues, statuses, fields), JiraMappingRules.From(settings));
        var warnings = fieldWarnings.Concat(mapping.Warnings).ToList();
        foreach (var warning in warnings)
        {
            Log.JiraSyncWarning(logger, board.Id, warning);
        }

        progress?.Report(new JiraSyncProgress("writing", 0, mapping.Bundle.Issues.Count, null));
        await using var session = await tenants.BeginSessionAsync(request.Tenant, ct);
        await LockAsync(session, site, board.Id, ct);
        var tables = await BundleImporter.UpsertAsync(session, mapping.Bundle, ct);
        await SaveStateAsync(session, site, board.Id, mapping.Bundle.Teams[0].Key, startedAt, issues.Count, ct);
        await session.CommitAsync(ct);

        Log.JiraSyncCommitted(logger, board.Id, request.Tenant, issues.Count, tables.Sum(t => t.Inserted + t.Updated), clock.ElapsedMilliseconds);
        return new JiraSyncReport(request.Tenant, site, board, since, sprints.Count, issues.Count, tables, warnings, clock.Elapsed);
    }

    /// <summary>When the board's last committed sync started, or null when it was never synced into the tenant.</summary>
    public async Task<DateTimeOffset?> LastSyncAsync(string tenant, Uri site, long boardId, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command("SELECT last_sync_at FROM jira_sync_state WHERE site = $1 AND board_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = site.ToString() });
        command.Parameters.Add(new NpgsqlParameter { Value = boardId });
        return await command.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>Two syncs of the same board into the same tenant write one after the other.</summary>
    private static async Task LockAsync(TenantSession session, Uri site, long boardId, CancellationToken ct)
    {
        await using var command = session.Command("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");
        command.Parameters.Add(new NpgsqlParameter { Value = $"jira-sync:{session.TenantId}:{site}:{boardId}" });
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task SaveStateAsync(TenantSession session, Uri site, long boardId, string teamKey, DateTimeOffset startedAt, int issues, CancellationToken ct)
    {
        await using var command = session.Command(
            """
            INSERT INTO jira_sync_state AS s (tenant_id, site, board_id, team_key, last_sync_at, last_finished_at, last_issue_count)
            VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6)
            ON CONFLICT (tenant_id, site, board_id) DO UPDATE SET team_key = excluded.team_key,
                last_sync_at = greatest(s.last_sync_at, excluded.last_sync_at),
                last_finished_at = excluded.last_finished_at, last_issue_count = excluded.last_issue_count
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = site.ToString() });
        command.Parameters.Add(new NpgsqlParameter { Value = boardId });
        command.Parameters.Add(new NpgsqlParameter { Value = teamKey });
        command.Parameters.Add(new NpgsqlParameter { Value = startedAt.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow().UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = issues });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Story Points, Sprint, Flagged and Epic Link: configured ids win, else found by type or name in <c>api/N/field</c>.</summary>
    private async Task<(JiraFieldSet Fields, IReadOnlyList<string> Warnings)> FieldsAsync(JiraClient client, JiraOptions settings, CancellationToken ct)
    {
        var listed = await client.GetFieldsAsync(ct) ?? [];
        var warnings = new List<string>();

        JiraField? Pick(string? configured, string name, params Func<JiraField, string?, bool>[] rules)
        {
            if (configured is { Length: > 0 } id)
            {
                return new JiraField(id, listed.FirstOrDefault(f => f.Field.Id == id).Field?.Name ?? name);
            }

            foreach (var rule in rules)
            {
                var match = listed.FirstOrDefault(f => rule(f.Field, f.SchemaCustom));
                if (match.Field is not null)
                {
                    return match.Field;
                }
            }

            return null;
        }

        static bool Named(JiraField field, string name) => field.Name.Equals(name, StringComparison.OrdinalIgnoreCase);

        var fields = new JiraFieldSet(
            Pick(settings.Fields.StoryPoints, "Story Points",
                (f, _) => Named(f, "Story Points"), (f, _) => Named(f, "Story point estimate"),
                (_, custom) => custom == "com.pyxis.greenhopper.jira:jsw-story-points"),
            Pick(settings.Fields.Sprint, "Sprint",
                (_, custom) => custom == "com.pyxis.greenhopper.jira:gh-sprint", (f, _) => Named(f, "Sprint")),
            Pick(settings.Fields.Flagged, "Flagged", (f, _) => Named(f, "Flagged")),
            Pick(settings.Fields.EpicLink, "Epic Link",
                (_, custom) => custom == "com.pyxis.greenhopper.jira:gh-epic-link", (f, _) => Named(f, "Epic Link")));
        if (fields.StoryPoints is null)
        {
            warnings.Add("no Story Points field was found: story points stay empty (set Jira:Fields:StoryPoints to its id)");
        }

        if (fields.Sprint is null)
        {
            warnings.Add("no Sprint field was found: memberships come from the board's sprint fields (set Jira:Fields:Sprint to its id)");
        }

        Log.JiraFieldsResolved(logger, fields.StoryPoints?.Id ?? "-", fields.Sprint?.Id ?? "-", fields.Flagged?.Id ?? "-", fields.EpicLink?.Id ?? "-");
        return (fields, warnings);
    }
}
