using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SpiralAnalytics.Core.Demo;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Demo;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Demo;

/// <summary><c>spiral demo seed</c>: loading the generated data into a tenant, seeding again, and what the views make of it.</summary>
public sealed class DemoSeedTests(PostgresServer server, ITestOutputHelper output)
{
    private static readonly DateOnly Today = new(2026, 3, 2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Seeded(Guid Id, string Slug, DemoSeedReport Report);

    private async Task<TestDatabase> DatabaseAsync() => await server.DatabaseAsync(nameof(DemoSeedTests));

    private static async Task<DemoSeedReport> SeedAsync(TestDatabase db, string slug, DemoOptions options, List<string>? lines = null)
    {
        using var host = db.BuildHost();
        return await host.Services.GetRequiredService<DemoSeeder>().SeedAsync(slug, options, lines is null ? null : new Lines(lines), Ct);
    }

    /// <summary>One default seeding, refreshed, that the view tests share.</summary>
    private async Task<Seeded> SeededAndRefreshedAsync()
    {
        var db = await DatabaseAsync();
        return await server.OnceAsync($"{nameof(DemoSeedTests)}:seeded", async () =>
        {
            var slug = TestData.NewSlug("demo");
            var report = await SeedAsync(db, slug, DemoOptions.ForToday(Today));
            using var host = db.BuildHost();
            await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
            return new Seeded(report.Tenant.Id, slug, report);
        });
    }

    [Fact]
    public async Task Seeding_creates_the_tenant_and_loads_every_generated_row_reporting_progress()
    {
        var db = await DatabaseAsync();
        var slug = TestData.NewSlug("demo");
        var lines = new List<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var report = await SeedAsync(db, slug, DemoOptions.ForToday(Today), lines);

        output.WriteLine($"seeded in {clock.Elapsed.TotalSeconds:0.00} s\n{string.Join('\n', lines)}");
        var bundle = DemoGenerator.Generate(DemoOptions.ForToday(Today));
        Assert.True(report.TenantCreated);
        Assert.Equal(
            [bundle.Teams.Count, bundle.Sprints.Count, bundle.Issues.Count, bundle.Memberships.Count, bundle.Transitions.Count, bundle.Blocks.Count, bundle.Comments.Count],
            await CountsAsync(db, report.Tenant.Id));
        Assert.All(report.Tables, t => Assert.Equal(t.Rows, t.Inserted));
        Assert.Empty(report.Pruned);
        Assert.Contains(lines, l => l.StartsWith($"created tenant '{slug}'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("generated 5 teams, 130 sprints", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("copied   stage_transitions", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("upserted issue_transitions", StringComparison.Ordinal));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{clock.Elapsed}");
    }

    [Fact]
    public async Task Seeding_again_with_the_same_seed_changes_nothing()
    {
        var db = await DatabaseAsync();
        var slug = TestData.NewSlug("demo");
        var first = await SeedAsync(db, slug, DemoOptions.ForToday(Today, sprints: 20));
        var before = await TestData.FingerprintAsync(db, first.Tenant.Id);

        var again = await SeedAsync(db, slug, DemoOptions.ForToday(Today, sprints: 20));

        Assert.False(again.TenantCreated);
        Assert.False(again.ChangedAnything);
        Assert.All(again.Tables, t => Assert.Equal(t.Rows, t.Unchanged));
        Assert.Equal(before, await TestData.FingerprintAsync(db, first.Tenant.Id));
    }

    [Fact]
    public async Task Seeding_again_on_a_later_day_moves_the_timeline_without_leaving_stale_rows()
    {
        var db = await DatabaseAsync();
        var slug = TestData.NewSlug("demo");
        var first = await SeedAsync(db, slug, DemoOptions.ForToday(Today, sprints: 20));

        var later = await SeedAsync(db, slug, DemoOptions.ForToday(Today.AddDays(14), sprints: 20));

        var bundle = DemoGenerator.Generate(DemoOptions.ForToday(Today.AddDays(14), sprints: 20));
        Assert.Equal(
            [bundle.Teams.Count, bundle.Sprints.Count, bundle.Issues.Count, bundle.Memberships.Count, bundle.Transitions.Count, bundle.Blocks.Count, bundle.Comments.Count],
            await CountsAsync(db, first.Tenant.Id));
        Assert.Equal(bundle.Memberships.Count, later.Pruned.Single(p => p.Table == "sprint_issues").Deleted);
        Assert.Equal(bundle.Sprints.Count, later.Tables.Single(t => t.Table == "sprints").Updated);
    }

    [Fact]
    public async Task After_a_refresh_the_views_show_each_teams_behaviour()
    {
        var db = await DatabaseAsync();
        var seeded = await SeededAndRefreshedAsync();
        var oracle = await SprintOracle.ReadAsync(db.OwnerConnectionString, seeded.Id, Ct);
        var stats = oracle.Sprints.Values.Where(s => s.State == "closed").OrderBy(s => s.TeamKey, StringComparer.Ordinal).ThenBy(s => s.CloseAt)
            .Select(s => (Team: s.TeamKey, Spillover: (decimal?)s.Values["spillover_ratio"], Blocked: (decimal?)s.Values["blocked_hours"],
                Reopen: (decimal?)s.Values["reopen_rate"]))
            .ToList();

        List<decimal> Of(string team, Func<(string Team, decimal? Spillover, decimal? Blocked, decimal? Reopen), decimal?> value) =>
            stats.Where(s => s.Team == team).Select(s => value(s) ?? 0).ToList();
        var atlasSpillover = Of("ATL", s => s.Spillover).Average();
        var phoenixSpillover = Of("PHX", s => s.Spillover).Average();
        var orionBlocked = Of("ORI", s => s.Blocked);
        var novaReopen = Of("NOV", s => s.Reopen);
        output.WriteLine($"spillover Atlas {atlasSpillover:0.00}, Phoenix {phoenixSpillover:0.00}");
        output.WriteLine($"Orion blocked hours: {string.Join(' ', orionBlocked.Select(h => h.ToString("0")))}");
        output.WriteLine($"Nova reopen rate: {string.Join(' ', novaReopen.Select(r => r.ToString("0.00")))}");

        Assert.Equal(125, stats.Count);
        Assert.True(phoenixSpillover > 2 * atlasSpillover, $"Phoenix {phoenixSpillover:0.00}, Atlas {atlasSpillover:0.00}");
        Assert.True(orionBlocked.TakeLast(8).Average() > 3 * orionBlocked.Take(8).Average());
        Assert.True(novaReopen.Skip(12).Average() > 2 * novaReopen.Take(12).Average());
    }

    [Fact]
    public async Task After_a_refresh_the_views_see_stuck_and_unassigned_work_escaped_bugs_epics_and_wip()
    {
        var db = await DatabaseAsync();
        var seeded = await SeededAndRefreshedAsync();
        await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, seeded.Id, Ct);
        var asOf = new DateTimeOffset(Today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

        var stuck = await ScalarAsync(session,
            "SELECT count(DISTINCT issue_key) FROM issue_idle_segments WHERE idle_from <= $1 - interval '5 days' AND (idle_to IS NULL OR idle_to > $1)", asOf);
        var stuckUnassigned = await ScalarAsync(session,
            "SELECT count(DISTINCT issue_key) FROM issue_idle_segments WHERE is_unassigned = 1 AND idle_to IS NULL AND idle_from <= $1 - interval '5 days'", asOf);
        var escaped = await ScalarAsync(session, "SELECT sum(escaped_bug_count) FROM issue_flow");
        var epics = await ScalarAsync(session, "SELECT count(DISTINCT epic_key) FROM issue_flow WHERE epic_key IS NOT NULL");
        var wipDays = await ScalarAsync(session, "SELECT count(*) FROM team_daily_wip WHERE day = $1 - interval '1 day' AND wip_count > 0", asOf);
        var reestimated = await ScalarAsync(session, "SELECT count(*) FROM sprint_issue_facts WHERE reestimated_points > 0");
        var carried = await ScalarAsync(session, "SELECT count(*) FROM sprint_issue_facts WHERE carried_over_points > 0");
        var added = await ScalarAsync(session, "SELECT count(*) FROM sprint_issue_facts WHERE added_count > 0");
        var removed = await ScalarAsync(session, "SELECT count(*) FROM sprint_issue_facts WHERE removed_count > 0");
        output.WriteLine($"stuck {stuck} (unassigned {stuckUnassigned}), escaped bugs {escaped}, epics {epics}, teams with WIP {wipDays}, " +
                         $"re-estimated {reestimated}, carried {carried}, added {added}, removed {removed}");

        Assert.True(stuck >= 10, $"{stuck} stuck");
        Assert.True(stuckUnassigned >= 5, $"{stuckUnassigned} stuck and unassigned");
        Assert.True(escaped > 100, $"{escaped} escaped bugs");
        Assert.True(epics > 30, $"{epics} epics");
        Assert.Equal(5, wipDays);
        Assert.True(reestimated > 100 && carried > 200 && added > 130 && removed > 20);
    }

    [Fact]
    public async Task The_cli_seeds_and_prints_a_summary_and_the_refresh_hint()
    {
        var db = await DatabaseAsync();
        var slug = TestData.NewSlug("demo");

        var run = await TestData.CliAsync(db, "demo", "seed", "--tenant", slug, "--sprints", "10", "--seed", "7", "--as-of", "2026-03-02");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"sprint_issues\s+\d+ rows: \d+ new, 0 updated, 0 unchanged", run.Out);
        Assert.Contains($"seeded tenant '{slug}' with 5 teams, 10 sprints and ", run.Out);
        Assert.Contains("run 'spiral refresh'", run.Out);
        Assert.Contains($"created tenant '{slug}'", run.Error);

        var again = await TestData.CliAsync(db, "demo", "seed", "--tenant", slug, "--sprints", "10", "--seed", "7", "--as-of", "2026-03-02", "--refresh");

        Assert.Equal(0, again.ExitCode);
        Assert.Contains("(nothing changed)", again.Out);
        Assert.Contains("refreshed the analytics views", again.Out);
    }

    [Theory]
    [InlineData(1, "tenant 'Not-Valid' is not a valid slug", "--tenant", "Not-Valid")]
    [InlineData(1, "--sprints must be at least 5 (one sprint per team), got 0", "--tenant", "demo-ok", "--sprints", "0")]
    [InlineData(1, "--sprints must be at most 50000", "--tenant", "demo-ok", "--sprints", "60000")]
    [InlineData(2, "spiral --help", "--tenant", "demo-ok", "--sprints", "many")]
    [InlineData(2, "spiral --help", "--sprints", "10")]
    public async Task Bad_input_is_refused_before_anything_is_written(int exitCode, string message, params string[] args)
    {
        var db = await DatabaseAsync();

        var run = await TestData.CliAsync(db, ["demo", "seed", .. args]);

        Assert.Equal(exitCode, run.ExitCode);
        Assert.Contains(message, run.Error);
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM tenants WHERE slug IN ('demo-ok', 'Not-Valid')", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync(Ct));
    }


    private static async Task<long> ScalarAsync(TenantSession session, string sql, params object[] parameters)
    {
        await using var command = session.Command(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<long[]> CountsAsync(TestDatabase db, Guid tenant)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        var counts = new List<long>();
        foreach (var table in new[] { "teams", "sprints", "issues", "sprint_issues", "issue_transitions", "issue_blocks", "comments" })
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table} WHERE tenant_id = $1", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = tenant });
            counts.Add((long)(await command.ExecuteScalarAsync(Ct))!);
        }

        return [.. counts];
    }

    private sealed class Lines(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}
