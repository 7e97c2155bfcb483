using Npgsql;
using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Analytics;

/// <summary>
/// A partial refresh (only the rows of what changed, issue 16) leaves every view exactly as a full rebuild at the same instant
/// would: after each change below, every row of every view (all tenants) is compared with what its function yields for all keys.
/// </summary>
public sealed class PartialRefreshTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_each_change_a_partial_refresh_leaves_every_view_equal_to_a_full_rebuild()
    {
        var db = await server.DatabaseAsync(nameof(PartialRefreshTests));
        // with the catalog (the shipped one imported): the refresh also stores the problem score's components' z-scores
        using var host = db.BuildHost(b => b.AddSpiralCatalog());
        var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
        Assert.True(catalog.ExitCode == 0, catalog.Error);
        var store = (SprintZStore)host.Services.GetService(typeof(SprintZStore))!;
        var importer = (BundleImporter)host.Services.GetService(typeof(BundleImporter))!;
        var refresher = (AnalyticsRefresher)host.Services.GetService(typeof(AnalyticsRefresher))!;
        var slug = TestData.NewSlug("partial");
        var tenant = await TestData.CreateTenantAsync(db, slug);
        // The other tenant's issues name their team; the known-answer issues take theirs from their last sprint (no team).
        var other = TestData.NewSlug("other");
        var otherTenant = await TestData.CreateTenantAsync(db, other);
        var known = KnownAnswerFixture.Build();
        var withTeams = known with { Issues = [.. known.Issues.Select(i => i with { TeamKey = i.Key[..1] })] };
        await ImportAsync(importer, known, slug);
        await ImportAsync(importer, withTeams, other);
        var first = await refresher.RefreshAsync(null, Ct);
        Assert.True(first.Full); // new teams: nothing to be partial about
        await AssertEqualToFullRebuildAsync(db, store);
        Assert.Equal(3m, await CarriedOverAsync(db, tenant, "A5"));
        Assert.Equal(3m, await CarriedOverAsync(db, otherTenant, "A5"));
        var totalFacts = first.Views.Single(v => v.View == "mv_sprint_issue_facts").Rows;

        // 1. Through the importer, one sprint of team A in each tenant: A-14 re-estimated at close, A-15 removed before A4
        // closed. A-15 was carried over into A5 (unfinished in A4); removed instead, it is not: A5 changes although only A4's
        // rows changed.
        CsvBundle Changed(CsvBundle bundle) => bundle with
        {
            Memberships = [.. bundle.Memberships.Select(m => (m.SprintKey, m.IssueKey) switch
            {
                ("A4", "A-14") => m with { PointsAtEnd = 9 },
                ("A4", "A-15") => m with { RemovedAt = KnownAnswerFixture.T("2026-02-25 10:00") },
                _ => m,
            })],
        };
        await ImportAsync(importer, Changed(known), slug);
        await ImportAsync(importer, Changed(withTeams), other);
        var partial = await refresher.RefreshAsync(null, Ct);
        Assert.False(partial.Full);
        Assert.InRange(partial.Views.Single(v => v.View == "mv_sprint_issue_facts").Rows, 1, totalFacts / 2);
        Assert.Equal(first.DataVersion + 1, partial.DataVersion);
        await AssertEqualToFullRebuildAsync(db, store);
        Assert.Equal(0m, await CarriedOverAsync(db, tenant, "A5"));
        Assert.Equal(0m, await CarriedOverAsync(db, otherTenant, "A5"));

        // 2. Written directly (any writer is tracked): a membership deleted, a comment, a block still open (its hours grow with
        // the refresh's instant), a new transition.
        await using (var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct))
        {
            await using var edit = session.Command("""
                DELETE FROM sprint_issues WHERE issue_id = (SELECT id FROM issues WHERE key = 'A-13');
                INSERT INTO comments (tenant_id, issue_id, author, created_at)
                SELECT current_tenant_id(), id, 'zed', '2026-02-12 10:00Z' FROM issues WHERE key = 'A-10';
                INSERT INTO issue_blocks (tenant_id, issue_id, blocked_from, blocked_to)
                SELECT current_tenant_id(), id, '2026-04-14 10:00Z', NULL FROM issues WHERE key = 'A-31';
                INSERT INTO issue_transitions (tenant_id, issue_id, at, from_status, to_status, from_category, to_category)
                SELECT current_tenant_id(), id, '2026-02-20 09:00Z', 'To Do', 'In Progress', 'todo', 'in_progress' FROM issues WHERE key = 'A-9';
                """);
            Assert.True(await edit.ExecuteNonQueryAsync(Ct) > 0);
            await session.CommitAsync(Ct);
        }

        Assert.False((await refresher.RefreshAsync(null, Ct)).Full);
        await AssertEqualToFullRebuildAsync(db, store);

        // 3. A sprint re-dated (the team's sequence: previous sprints, carried over), an issue deleted (its rows go), the block
        // closed.
        await using (var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct))
        {
            await using var edit = session.Command("""
                UPDATE sprints SET completed_at = '2026-04-20 17:00Z', end_at = '2026-04-20 17:00Z' WHERE key = 'A5';
                DELETE FROM issues WHERE key = 'A-26';
                UPDATE issue_blocks SET blocked_to = '2026-04-15 10:00Z' WHERE blocked_to IS NULL;
                """);
            await edit.ExecuteNonQueryAsync(Ct);
            await session.CommitAsync(Ct);
        }

        Assert.False((await refresher.RefreshAsync(null, Ct)).Full);
        await AssertEqualToFullRebuildAsync(db, store);

        // 4. In the other tenant (whose issues name their team): A-16, resolved in A5 and B1's span, moves to team B — it now
        // counts in B1, a sprint it was never in (each sprint's issue sums, 0021); and a sprint renamed.
        await using (var session = await TenantSession.BeginAsync(db.DataSources.Runtime, otherTenant, Ct))
        {
            await using var edit = session.Command("""
                UPDATE issues SET team_id = (SELECT id FROM teams WHERE key = 'B') WHERE key = 'A-16';
                UPDATE sprints SET key = 'A2-renamed' WHERE key = 'A2';
                """);
            Assert.Equal(2, await edit.ExecuteNonQueryAsync(Ct));
            await session.CommitAsync(Ct);
        }

        var moved = await refresher.RefreshAsync(null, Ct);
        Assert.False(moved.Full);
        Assert.InRange(moved.Views.Single(v => v.View == "mv_sprint_issue_rollups").Rows, 1, first.Views.Single(v => v.View == "mv_sprint_issue_rollups").Rows - 1);
        await AssertEqualToFullRebuildAsync(db, store);

        // Nothing changed: still a new version; a full refresh gives the same rows.
        var full = await refresher.RefreshAsync(full: true, null, Ct);
        Assert.True(full.Full);
        Assert.Equal("asked for", full.FullBecause);
        await AssertEqualToFullRebuildAsync(db, store);
    }

    [Fact]
    public async Task Spiral_refresh_full_rebuilds_every_view_and_says_so()
    {
        var db = await server.DatabaseAsync(nameof(PartialRefreshTests) + "Cli");
        var slug = TestData.NewSlug("cli");
        await TestData.CreateTenantAsync(db, slug);
        await TestData.CliAsync(db, "import", "csv", SmallBundle.Write(), "--tenant", slug);
        await TestData.CliAsync(db, "refresh");

        var partial = await TestData.CliAsync(db, "refresh");
        var full = await TestData.CliAsync(db, "refresh", "--full");

        Assert.Equal(0, partial.ExitCode);
        Assert.Contains("(partial)", partial.Out);
        Assert.Contains("rewritten", partial.Error);
        Assert.Equal(0, full.ExitCode);
        Assert.Contains("(full (asked for))", full.Out);
        Assert.DoesNotContain("rewritten", full.Error);
    }

    private static async Task ImportAsync(BundleImporter importer, CsvBundle bundle, string slug)
    {
        var folder = Directory.CreateTempSubdirectory("spiral-partial-refresh-").FullName;
        try
        {
            CsvBundleWriter.Write(folder, bundle);
            await importer.ImportAsync(folder, slug, Ct);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Every view's rows (a multiset) equal its function's rows for all keys, as of the last refresh's instant; and the stored
    /// z-scores (0021) equal what the store computes again for every tenant from those rows (in a transaction rolled back).
    /// </summary>
    private static async Task AssertEqualToFullRebuildAsync(TestDatabase db, SprintZStore store)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using (var transaction = await connection.BeginTransactionAsync(Ct))
        {
            await using (var before = new NpgsqlCommand(
                             "CREATE TEMP TABLE z_before ON COMMIT DROP AS TABLE mv_sprint_z; CREATE TEMP TABLE z_definitions_before ON COMMIT DROP AS TABLE analytics_z_definitions",
                             connection, transaction))
            {
                await before.ExecuteNonQueryAsync(Ct);
            }

            var recomputed = await store.RefreshAsync(connection, transaction, null, Ct);
            Assert.True(recomputed.Rows > 0, "no stored z-scores");
            await using var compare = new NpgsqlCommand(
                """
                SELECT (SELECT count(*) FROM (TABLE mv_sprint_z EXCEPT ALL TABLE z_before) x) + (SELECT count(*) FROM (TABLE z_before EXCEPT ALL TABLE mv_sprint_z) x),
                       (SELECT count(*) FROM (TABLE analytics_z_definitions EXCEPT ALL TABLE z_definitions_before) x)
                     + (SELECT count(*) FROM (TABLE z_definitions_before EXCEPT ALL TABLE analytics_z_definitions) x),
                       (SELECT count(DISTINCT tenant_id) FROM analytics_z_definitions)
                """, connection, transaction);
            await using (var reader = await compare.ExecuteReaderAsync(Ct))
            {
                await reader.ReadAsync(Ct);
                Assert.Equal((SprintZStore.Table, 0L, 0L, 2L), (SprintZStore.Table, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
            }

            await transaction.RollbackAsync(Ct);
        }

        foreach (var view in AnalyticsViews.All)
        {
            var rebuild = $"SELECT * FROM {view.Function}(NULL, NULL{(view.ReadsAsOf ? ", (SELECT as_of FROM analytics_refreshes ORDER BY id DESC LIMIT 1)" : "")})";
            await using var compare = new NpgsqlCommand(
                $"""
                SELECT (SELECT count(*) FROM {view.Name}),
                       (SELECT count(*) FROM (TABLE {view.Name} EXCEPT ALL {rebuild}) x),
                       (SELECT count(*) FROM ({rebuild} EXCEPT ALL TABLE {view.Name}) x)
                """, connection);
            await using var reader = await compare.ExecuteReaderAsync(Ct);
            await reader.ReadAsync(Ct);
            Assert.True(reader.GetInt64(0) > 0, $"{view.Name} is empty");
            Assert.Equal((view.Name, 0L, 0L), (view.Name, reader.GetInt64(1), reader.GetInt64(2)));
        }
    }

    private static async Task<decimal> CarriedOverAsync(TestDatabase db, Guid tenant, string sprint)
    {
        await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct);
        await using var command = session.Command("SELECT carried_over_points FROM sprint_stats WHERE sprint_key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = sprint });
        return (decimal)(await command.ExecuteScalarAsync(Ct))!;
    }
}
