using System.Globalization;
using Npgsql;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Analytics;

/// <summary>The views and the catalog's definitions against Jira itself: every sprint's totals from Jira's own sprint report.</summary>
public sealed class JiraSprintReportTests(PostgresServer server, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Totals(string Sprint, long Completed, long NotCompleted, long Removed, decimal CompletedPoints);

    [Fact]
    public async Task Every_sprint_matches_Jiras_sprint_report_completed_not_completed_removed_and_completed_points()
    {
        var db = await server.DatabaseAsync(nameof(JiraSprintReportTests));
        var tenant = await server.OnceAsync($"{nameof(JiraSprintReportTests)}:tenant", () => ImportJiraAsync(db));
        var expected = ReadReport();
        var actual = new Dictionary<string, Totals>();
        await using (var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct))
        {
            await using var command = session.Command(
                """
                SELECT sprint_key, sum(completed_count), sum(not_completed_count), sum(removed_count), sum(completed_points)
                FROM sprint_issue_facts GROUP BY sprint_key
                """);
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                actual[reader.GetString(0)] = new Totals(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetDecimal(4));
            }
        }

        var mismatches = expected.Values
            .Where(e => !actual.TryGetValue(e.Sprint, out var a) || a != e)
            .Select(e => $"{e.Sprint}: Jira {e} views {actual.GetValueOrDefault(e.Sprint)}")
            .ToList();
        output.WriteLine($"sprints checked: {expected.Count}, mismatches: {mismatches.Count}");
        Assert.Equal(238, expected.Count);
        Assert.Empty(mismatches);
    }

    [Fact]
    public async Task Catalog_velocity_and_completed_issues_per_sprint_equal_the_report_for_every_sprint()
    {
        var db = await server.DatabaseAsync(nameof(JiraSprintReportTests));
        var tenant = await server.OnceAsync($"{nameof(JiraSprintReportTests)}:tenant", () => ImportJiraAsync(db));
        var expected = ReadReport();
        // Each sprint's value as the query builder computes it from the shipped catalog definitions (the per-sprint values the
        // z-scores read).
        var catalog = CatalogLoader.Load(Path.Combine(RepoPaths.Root, "catalog")).Catalog;
        var p = new SqlParameters();
        var ctes = ZScoreSql.Ctes("scores", [catalog.Get("velocity"), catalog.Get("completed_issues")], "SELECT sprint_key FROM sprint_stats", null, catalog, p);
        await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct);
        await using var command = session.Command($"WITH {string.Join(",\n", ctes)}\nSELECT sprint_key, velocity::numeric, completed_issues::bigint FROM scores");
        foreach (var value in p.Values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync(Ct);
        var checkedSprints = 0;
        while (await reader.ReadAsync(Ct))
        {
            var report = expected[reader.GetString(0)];
            Assert.Equal(report.CompletedPoints, reader.GetDecimal(1));
            Assert.Equal(report.Completed, reader.GetInt64(2));
            checkedSprints++;
        }

        Assert.Equal(238, checkedSprints);
    }

    private static Dictionary<string, Totals> ReadReport()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.JiraSprintReports, "jira-report-totals.csv"));
        var header = lines[0].Split(',').ToList();
        int Col(string name) => header.IndexOf(name);
        return lines.Skip(1).Select(l => l.Split(',')).ToDictionary(
            f => f[Col("sprint_key")],
            f => new Totals(
                f[Col("sprint_key")],
                long.Parse(f[Col("completed_count")], CultureInfo.InvariantCulture),
                long.Parse(f[Col("not_completed_count")], CultureInfo.InvariantCulture),
                long.Parse(f[Col("punted_count")], CultureInfo.InvariantCulture),
                decimal.Parse(f[Col("completed_sp")], CultureInfo.InvariantCulture)));
    }

    private static async Task<Guid> ImportJiraAsync(TestDatabase db)
    {
        var slug = TestData.NewSlug("jira");
        var id = await TestData.CreateTenantAsync(db, slug);
        using var host = db.BuildHost();
        await ((BundleImporter)host.Services.GetService(typeof(BundleImporter))!).ImportAsync(RepoPaths.JiraSprintReports, slug, Ct);
        await ((AnalyticsRefresher)host.Services.GetService(typeof(AnalyticsRefresher))!).RefreshAsync(null, Ct);
        return id;
    }
}
