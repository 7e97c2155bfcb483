using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SpiralAnalytics.Core.Demo;
using SpiralAnalytics.Core.Diagnosis;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Ask;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Demo;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Diagnosis;

/// <summary>
/// The diagnosis on the demo tenant (seeded deterministically: five teams, 26 sprints each, the last active on
/// <see cref="Today"/>): each team's last closed sprint names the team's built-in behaviour first — Phoenix over-commits,
/// Orion's blocked time grows, Nova's reopen rate rises — even where the z-score against the team's own past is small.
/// </summary>
public sealed class DiagnosisDemoTests(PostgresServer server)
{
    private static readonly DateOnly Today = new(2026, 3, 2);

    private static readonly DateTimeOffset AsOf = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Diagnose(string team) =>
        $$$"""{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":[{"dimension":"team","op":"eq","values":["{{{team}}}"]}],"time":{"type":"last_sprints","n":1}}""";

    [Fact]
    public async Task Phoenix_last_sprint_names_spillover_or_over_commitment_first()
    {
        var sprint = await LastSprintAsync("Phoenix");

        Assert.Contains(sprint.Components[0].Metric, new[] { "spillover_ratio", "say_do_ratio" });
        // the premise: its spillover is the highest of the five teams though its z-score against its own past is modest
        var spillover = sprint.Components.Single(c => c.Metric == "spillover_ratio");
        Assert.Equal(1, spillover.Level.Rank);
        Assert.Equal(5, spillover.Level.Teams);
        Assert.True(spillover.Z < 2, $"z {spillover.Z}");
    }

    [Fact]
    public async Task Orion_last_sprint_names_blocked_time_first()
    {
        var sprint = await LastSprintAsync("Orion");

        var blocked = sprint.Components[0];
        Assert.Equal("blocked_hours", blocked.Metric);
        // chronically high: many times the other teams' median, with a small z against its own (already high) baseline
        Assert.True(blocked.Level.Ratio > 8, $"ratio {blocked.Level.Ratio}");
        Assert.True(blocked.Z < 1, $"z {blocked.Z}");
        Assert.Equal("level", blocked.Signals.Strongest);
    }

    [Fact]
    public async Task Nova_last_sprint_names_reopens_first()
    {
        var sprint = await LastSprintAsync("Nova");

        Assert.Equal("reopen_rate", sprint.Components[0].Metric);
    }

    [Fact]
    public async Task Every_teams_decomposition_adds_up_to_the_change_in_velocity()
    {
        var (db, slug) = await SeedAsync();
        using var host = QueryFixture.Host(db);
        var executor = QueryFixture.Executor(host);
        var diagnosis = await executor.ExecuteAsync(
            """{"analysis":"diagnose","metrics":["sprint_problematic_score"],"time":{"type":"last_sprints","n":1}}""", slug, AsOf, null, Ct);
        // the same two sprints through the ordinary metric path: velocity of the last sprint and of the one before
        var velocity = await executor.ExecuteAsync(
            """{"metrics":["velocity","sprint_problematic_score"],"group_by":["team"],"time":{"type":"last_sprints","n":1},"compare":{"type":"previous_period"}}""",
            slug, AsOf, null, Ct);

        var teams = diagnosis.Analysis!.Teams;
        Assert.Equal(["Atlas", "Nova", "Orion", "Phoenix", "Vega"], teams.Select(t => t.Team));
        foreach (var team in teams)
        {
            var row = velocity.Rows.Single(r => (string)r["team"]! == team.Team);
            var change = team.Change!;
            Assert.Equal((double)row["velocity"]!, change.Completed, 6);
            Assert.Equal((double)row["velocity__previous"]!, change.PreviousCompleted, 6);
            Assert.Equal(change.Completed - change.PreviousCompleted, change.Change, 6);
            Assert.Equal(change.Change, change.Parts.Sum(p => p.Points), 6);
            // the problem score is the composite of the ordinary answer, and its contributions sum to it
            var sprint = Assert.Single(team.Sprints);
            Assert.Equal((double)row["sprint_problematic_score"]!, sprint.ProblemScore!.Value, 9);
            Assert.Equal(sprint.ProblemScore.Value, sprint.Components.Sum(c => c.Contribution ?? 0), 9);
            Assert.InRange(team.Summary.Count, 1, 2);
        }

        Assert.Equal(5 * 6, diagnosis.Rows.Count); // one row per team × component
    }

    [Fact]
    public async Task The_api_answers_a_diagnosis_and_the_cached_form_keeps_it()
    {
        var (db, slug) = await SeedAsync();
        await using var api = new ApiFactory(db);
        using var client = api.CreateClient(slug, SpiralRoles.Viewer);

        var result = await ApiAssert.OkAsync(await client.PostRawAsync($"/api/v1/query?as_of=2026-03-02T12:00:00Z", Diagnose("Orion")));

        var analysis = result.GetProperty("analysis");
        Assert.Equal("diagnose", analysis.GetProperty("form").GetString());
        var team = analysis.GetProperty("teams")[0];
        Assert.Equal("Orion", team.GetProperty("team").GetString());
        Assert.Equal("blocked_hours", team.GetProperty("sprints")[0].GetProperty("components")[0].GetProperty("metric").GetString());
        Assert.True(team.GetProperty("change").GetProperty("parts").GetArrayLength() == PointsDecomposition.Parts.Count);
        Assert.Contains("Blocked time stood out first", analysis.GetProperty("summary")[0].GetString(), StringComparison.Ordinal);

        // the ask pipeline caches the result object as JSON: the analysis must survive the round trip
        using var host = QueryFixture.Host(db);
        var direct = await QueryFixture.Executor(host).ExecuteAsync(Diagnose("Orion"), slug, AsOf, null, Ct);
        var cached = JsonSerializer.Deserialize(JsonSerializer.Serialize(direct, AskJsonContext.Default.QueryResult), AskJsonContext.Default.QueryResult)!;
        Assert.Equal(direct.Analysis!.Summary, cached.Analysis!.Summary);
        Assert.Equal(direct.Analysis.Teams[0].Sprints[0].Components.Select(c => c.Metric), cached.Analysis.Teams[0].Sprints[0].Components.Select(c => c.Metric));
    }

    [Fact]
    public async Task The_service_gives_other_features_the_same_diagnosis_and_anomalies()
    {
        var (db, slug) = await SeedAsync();
        using var host = QueryFixture.Host(db);
        var service = host.Services.GetRequiredService<Infrastructure.Diagnosis.SprintDiagnosis>();

        var report = await service.DiagnoseAsync(slug, ["Orion", "Nova"], null, AsOf, Ct);
        Assert.Equal(["Nova", "Orion"], report.Teams.Select(t => t.Team));
        Assert.Equal("reopen_rate", report.Teams[0].Sprints[0].Components[0].Metric);
        Assert.Equal("blocked_hours", report.Teams[1].Sprints[0].Components[0].Metric);

        var anomalies = await service.AnomaliesAsync(slug, null, null, null, AsOf, Ct);
        Assert.NotEmpty(anomalies.Anomalies);
        Assert.All(anomalies.Anomalies, a => Assert.True(Math.Abs(a.Z) >= AnalysisSql.AnomalyZ));
        var components = new[] { "spillover_ratio", "say_do_ratio", "scope_churn_ratio", "blocked_hours", "reopen_rate", "cycle_time_p50" };
        Assert.All(anomalies.Anomalies, a => Assert.Contains(a.Metric, components));
        // the default window: each team's last 6 closed sprints (as of 03-02 12:00: sprints 20..25)
        Assert.All(anomalies.Anomalies, a => Assert.True(int.Parse(a.Sprint.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture) >= 20, a.Sprint));
    }

    private async Task<DiagnosedSprint> LastSprintAsync(string team)
    {
        var (db, slug) = await SeedAsync();
        using var host = QueryFixture.Host(db);
        var result = await QueryFixture.Executor(host).ExecuteAsync(Diagnose(team), slug, AsOf, null, Ct);
        var diagnosis = Assert.Single(result.Analysis!.Teams);
        Assert.Equal(team, diagnosis.Team);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", diagnosis.Summary));
        return Assert.Single(diagnosis.Sprints);
    }

    private async Task<(TestDatabase Db, string Slug)> SeedAsync()
    {
        var db = await server.DatabaseAsync(nameof(DiagnosisDemoTests));
        var slug = await server.OnceAsync($"{nameof(DiagnosisDemoTests)}:demo", async () =>
        {
            var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
            Assert.True(catalog.ExitCode == 0, catalog.Error);
            var name = TestData.NewSlug("demo");
            using var host = db.BuildHost();
            await host.Services.GetRequiredService<DemoSeeder>().SeedAsync(name, DemoOptions.ForToday(Today), null, CancellationToken.None);
            await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, CancellationToken.None);
            return name;
        });
        return (db, slug);
    }
}
