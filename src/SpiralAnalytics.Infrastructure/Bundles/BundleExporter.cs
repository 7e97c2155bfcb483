using Npgsql;
using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Bundles;

/// <summary>Reads a tenant's data (runtime role, RLS) as a <see cref="CsvBundle"/>, in a stable key order.</summary>
public sealed class BundleExporter(TenantDirectory tenants)
{
    public async Task<CsvBundle> ReadAsync(string tenantSlug, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenantSlug, ct);
        var teams = await QueryAsync(session, "SELECT key, name FROM teams ORDER BY key COLLATE \"C\"",
            r => new TeamRow(r.GetString(0), r.GetString(1)), ct);
        var sprints = await QueryAsync(session,
            """
            SELECT s.key, t.key, s.name, s.state, s.start_at, s.end_at, s.completed_at, s.goal
            FROM sprints s JOIN teams t ON t.tenant_id = s.tenant_id AND t.id = s.team_id ORDER BY s.key COLLATE "C"
            """,
            r => new SprintRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Instant(r, 4), Instant(r, 5), Instant(r, 6), Text(r, 7)), ct);
        var issues = await QueryAsync(session,
            """
            SELECT i.key, t.key, i.type, i.priority, i.status, i.status_category, i.resolution, i.story_points, i.assignee, i.epic_key,
                   i.labels, i.created_at, i.resolved_at
            FROM issues i LEFT JOIN teams t ON t.tenant_id = i.tenant_id AND t.id = i.team_id ORDER BY i.key COLLATE "C"
            """,
            r => new IssueRow(r.GetString(0), Text(r, 1), r.GetString(2), Text(r, 3), Text(r, 4), r.GetString(5), Text(r, 6), Number(r, 7),
                Text(r, 8), Text(r, 9), r.GetFieldValue<string[]>(10), Instant(r, 11), Instant(r, 12)), ct);
        var memberships = await QueryAsync(session,
            """
            SELECT sp.key, i.key, m.added_at, m.removed_at, m.committed, m.outcome, m.points_at_start, m.points_at_end
            FROM sprint_issues m
            JOIN sprints sp ON sp.tenant_id = m.tenant_id AND sp.id = m.sprint_id
            JOIN issues i ON i.tenant_id = m.tenant_id AND i.id = m.issue_id
            ORDER BY sp.key COLLATE "C", i.key COLLATE "C", m.added_at NULLS FIRST
            """,
            r => new MembershipRow(r.GetString(0), r.GetString(1), Instant(r, 2), Instant(r, 3), r.IsDBNull(4) ? null : r.GetBoolean(4),
                Text(r, 5), Number(r, 6), Number(r, 7)), ct);
        var transitions = await QueryAsync(session,
            """
            SELECT i.key, x.at, x.from_status, x.to_status, x.from_category, x.to_category
            FROM issue_transitions x JOIN issues i ON i.tenant_id = x.tenant_id AND i.id = x.issue_id
            ORDER BY i.key COLLATE "C", x.at, x.to_status COLLATE "C"
            """,
            r => new TransitionRow(r.GetString(0), Instant(r, 1)!.Value, Text(r, 2), r.GetString(3), Text(r, 4), r.GetString(5)), ct);
        var blocks = await QueryAsync(session,
            """
            SELECT i.key, b.blocked_from, b.blocked_to
            FROM issue_blocks b JOIN issues i ON i.tenant_id = b.tenant_id AND i.id = b.issue_id
            ORDER BY i.key COLLATE "C", b.blocked_from
            """,
            r => new BlockRow(r.GetString(0), Instant(r, 1)!.Value, Instant(r, 2)), ct);
        var comments = await QueryAsync(session,
            """
            SELECT i.key, c.author, c.created_at
            FROM comments c JOIN issues i ON i.tenant_id = c.tenant_id AND i.id = c.issue_id
            ORDER BY i.key COLLATE "C", c.created_at, c.author COLLATE "C" NULLS FIRST
            """,
            r => new CommentRow(r.GetString(0), Text(r, 1), Instant(r, 2)!.Value), ct);
        await session.CommitAsync(ct);
        return new CsvBundle(teams, sprints, issues, memberships, transitions, blocks, comments);
    }

    /// <summary>Writes the tenant's data as a bundle folder; returns the bundle written.</summary>
    public async Task<CsvBundle> ExportAsync(string directory, string tenantSlug, CancellationToken ct)
    {
        var bundle = await ReadAsync(tenantSlug, ct);
        CsvBundleWriter.Write(directory, bundle);
        return bundle;
    }

    private static async Task<List<T>> QueryAsync<T>(TenantSession session, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var command = session.Command(sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static decimal? Number(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDecimal(i);

    private static DateTimeOffset? Instant(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
