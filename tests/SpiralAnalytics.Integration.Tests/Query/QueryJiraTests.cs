using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Query;

/// <summary>Specs against Jira itself: velocity and completed issues by sprint, per team, equal Jira's sprint reports.</summary>
public sealed class QueryJiraTests(PostgresServer server, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Velocity_and_completed_issues_by_sprint_for_each_team_equal_jiras_sprint_reports()
    {
        var db = await server.DatabaseAsync(nameof(QueryJiraTests));
        var slug = await server.OnceAsync($"{nameof(QueryJiraTests)}:tenant", async () =>
        {
            var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
            Assert.True(catalog.ExitCode == 0, catalog.Error);
            var created = TestData.NewSlug("jira");
            await TestData.CreateTenantAsync(db, created);
            using var setup = QueryFixture.Host(db);
            await setup.Services.GetRequiredService<BundleImporter>().ImportAsync(RepoPaths.JiraSprintReports, created, Ct);
            await setup.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
            return created;
        });
        var report = ReadReport();
        var teams = File.ReadAllLines(Path.Combine(RepoPaths.JiraSprintReports, "teams.csv")).Skip(1).Select(l => l.Split(',')[0]).ToList();
        using var host = QueryFixture.Host(db);
        var executor = QueryFixture.Executor(host);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var mismatches = new List<string>();
        // All time lists the closed sprints; a sprint still active (Jira reports it too) is answered under current_sprint, in progress.
        foreach (var (team, window) in teams.SelectMany(t => new[] { (t, "all"), (t, "current_sprint") }))
        {
            var result = await executor.ExecuteAsync(
                $$$"""{"metrics":["velocity","completed_issues"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["{{{team}}}"]}],"time":{"type":"{{{window}}}"}}""",
                slug, new DateTimeOffset(2020, 12, 31, 0, 0, 0, TimeSpan.Zero), null, Ct);
            if (window == "current_sprint" && result.Rows.Count > 0)
            {
                Assert.Contains(result.Warnings, w => w.StartsWith("in progress:", StringComparison.Ordinal));
            }

            foreach (var row in result.Rows)
            {
                var key = row["sprint_key"]!.GetValue<string>();
                Assert.True(seen.Add(key), $"{key} is answered under both all time and the current sprint");
                if (!report.TryGetValue(key, out var expected))
                {
                    mismatches.Add($"{team} {key}: not in Jira's report");
                    continue;
                }

                var velocity = row["velocity"]?.GetValue<double>();
                var completed = row["completed_issues"]!.GetValue<double>();
                if (velocity is null || Math.Abs(velocity.Value - expected.Points) > 1e-9 || completed != expected.Issues)
                {
                    mismatches.Add($"{team} {key}: Jira {expected.Points} points / {expected.Issues} issues, query {velocity} / {completed}");
                }
            }
        }

        output.WriteLine($"{teams.Count} teams, {seen.Count} sprints, {mismatches.Count} mismatches");
        Assert.Empty(mismatches);
        Assert.Equal(report.Keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    private static Dictionary<string, (double Points, double Issues)> ReadReport()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.JiraSprintReports, "jira-report-totals.csv"));
        var header = lines[0].Split(',').ToList();
        return lines.Skip(1).Select(l => l.Split(',')).ToDictionary(
            f => f[header.IndexOf("sprint_key")],
            f => (double.Parse(f[header.IndexOf("completed_sp")], CultureInfo.InvariantCulture),
                  double.Parse(f[header.IndexOf("completed_count")], CultureInfo.InvariantCulture)));
    }
}
