using Npgsql;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Analytics;

/// <summary>The runtime role reads the analytics only through the tenant-filtered security_barrier views.</summary>
public sealed class AnalyticsViewIsolationTests(PostgresServer server) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private Guid _a;
    private Guid _b;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static readonly TheoryData<string, string> TenantViews = new()
    {
        { "sprint_issue_facts", "mv_sprint_issue_facts" },
        { "sprint_stats", "mv_sprint_stats" },
        { "issue_flow", "mv_issue_flow" },
        { "issue_events", "mv_issue_events" },
        { "team_daily_wip", "mv_team_daily_wip" },
        { "issue_idle_segments", "mv_issue_idle_segments" },
        { "issue_comment_stats", "mv_issue_comment_stats" },
        // 0020 (issue 16): the issue_flow sums per team and month, one view per time column
        { "issue_flow_created_months", "(SELECT tenant_id FROM mv_issue_flow_months WHERE basis = 'c') AS months" },
        { "issue_flow_resolved_months", "(SELECT tenant_id FROM mv_issue_flow_months WHERE basis = 'r') AS months" },
        { "issue_events_months", "mv_issue_events_months" },
        // 0021 (issue 16): per sprint, its team's issues resolved and events in it (a sprint shows only with such rows)
        { "issue_flow_resolved_sprints", "(SELECT tenant_id FROM mv_sprint_issue_rollups WHERE flow_rows > 0) AS sprints" },
        { "issue_events_sprints", "(SELECT tenant_id FROM mv_sprint_issue_rollups WHERE event_rows > 0) AS sprints" },
        // 0021: the stored per-sprint z-scores of the problem score's components, and which definitions the tenant's store holds
        { "sprint_z", "mv_sprint_z" },
        { "sprint_z_definitions", "analytics_z_definitions" },
        // 0007 (issue 14): views over RLS tables that tenant metrics read (row filters on labels; SQL metrics on goals)
        { "issue_labels", "(SELECT i.tenant_id FROM issues i CROSS JOIN LATERAL unnest(i.labels)) AS labels" },
        { "sprint_goals", "sprints" },
    };

    public static TheoryData<string> OwnerOnlyRelations() =>
        new([.. AnalyticsRefresher.MaterializedViews, "analytics_issue_base", "analytics_status_intervals", SprintZStore.Table, "analytics_z_definitions"]);

    public async ValueTask InitializeAsync()
    {
        _db = await server.DatabaseAsync(nameof(AnalyticsViewIsolationTests));
        (_a, _b) = await server.OnceAsync(nameof(AnalyticsViewIsolationTests), async () =>
        {
            using var host = _db.BuildHost(b => b.AddSpiralCatalog());
            var catalog = await TestData.CliAsync(_db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
            Assert.True(catalog.ExitCode == 0, catalog.Error);
            var importer = (BundleImporter)host.Services.GetService(typeof(BundleImporter))!;
            var ids = new List<Guid>();
            foreach (var extra in new[] { 0, 3 })
            {
                var slug = TestData.NewSlug("view");
                ids.Add(await TestData.CreateTenantAsync(_db, slug));
                await importer.ImportAsync(SmallBundle.Write(extra), slug, Ct);
            }

            await ((AnalyticsRefresher)host.Services.GetService(typeof(AnalyticsRefresher))!).RefreshAsync(null, Ct);
            return (ids[0], ids[1]);
        });
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [MemberData(nameof(TenantViews))]
    public async Task Each_tenant_view_returns_exactly_the_current_tenants_rows(string view, string materialized)
    {
        foreach (var (tenant, other) in new[] { (_a, _b), (_b, _a) })
        {
            await using var session = await TenantSession.BeginAsync(_db.DataSources.Runtime, tenant, Ct);
            await using var command = session.Command($"SELECT count(*) FROM {view}");
            var visible = (long)(await command.ExecuteScalarAsync(Ct))!;

            Assert.True(visible > 0, $"{view} should have rows");
            Assert.Equal(await TestData.OwnerCountAsync(_db, materialized, tenant), visible);
            // The other tenant has rows too, so any leak would show as a larger count than the tenant's own.
            Assert.True(await TestData.OwnerCountAsync(_db, materialized, other) > 0, $"{view}: the other tenant should have rows");
        }
    }

    [Theory]
    [MemberData(nameof(TenantViews))]
    public async Task Without_a_tenant_every_view_is_empty(string view, string materialized)
    {
        await using var connection = await _db.DataSources.Runtime.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {view}", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync(Ct));
        Assert.True(await TestData.OwnerCountAsync(_db, materialized, _a) > 0);
    }

    [Theory]
    [MemberData(nameof(OwnerOnlyRelations))]
    public async Task The_runtime_role_cannot_select_from_materialized_views_or_their_building_blocks(string relation)
    {
        await using var connection = await _db.DataSources.Runtime.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {relation}", connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync(Ct));
        Assert.Equal("42501", error.SqlState);
    }

    [Fact]
    public async Task Every_view_the_runtime_role_can_read_is_a_security_barrier_view()
    {
        await using var connection = await _db.DataSources.Runtime.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname, coalesce('security_barrier=true' = ANY (c.reloptions), false)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') AND has_table_privilege(current_user, c.oid, 'SELECT')
            ORDER BY 1
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var readable = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            Assert.True(reader.GetBoolean(1), $"{reader.GetString(0)} is readable but not a security_barrier view");
            readable.Add(reader.GetString(0));
        }

        Assert.Equal(TenantViews.Select(row => (string)row.Data.Item1).Order(StringComparer.Ordinal), readable);
    }
}
