using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Overview;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Watch;

/// <summary>
/// GET /api/v1/overview on the seeded demo tenant (3 teams × 9 two-week sprints, the 9th active at 2024-04-25). Expected values
/// are worked out by <see cref="SprintOracle"/> (each team's latest and previous closed sprint), not through the overview's path.
/// </summary>
public sealed class OverviewTests(PostgresServer server)
{
    private const string AsOf = "2024-04-25";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record SprintRow(string Team, string Sprint, double? Velocity, double? Spillover, double? ZVelocity, int Recency);

    private static async Task<List<SprintRow>> SprintStatsAsync(QueryFixture.Seeded seeded)
    {
        var oracle = await SprintOracle.ReadAsync(seeded.Db.OwnerConnectionString, seeded.TenantId, Ct);
        var asOf = new DateTime(2024, 4, 25, 0, 0, 0, DateTimeKind.Utc);
        return [.. oracle.Sprints.Values.Where(s => s.State == "closed" && s.CloseAt <= asOf)
            .GroupBy(s => s.TeamKey)
            .SelectMany(team => team.OrderByDescending(s => s.CloseAt).ThenByDescending(s => s.Key, StringComparer.Ordinal)
                .Select((s, i) => new SprintRow(s.TeamName, s.Name, s.Values["velocity"], s.Values["spillover_ratio"], oracle.Z(s.Key, "velocity"), i + 1)))];
    }

    private static JsonElement Card(JsonElement overview, string provider) =>
        overview.GetProperty("cards").EnumerateArray().Single(c => c.GetProperty("provider").GetString() == provider);

    private static JsonElement Cell(JsonElement card, string metric, string team) =>
        card.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == metric)
            .GetProperty("teams").EnumerateArray().Single(t => t.GetProperty("team").GetString() == team);

    private static double? Number(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();

    [Fact]
    public async Task Every_catalog_category_is_a_card_with_each_teams_latest_sprint_previous_sparkline_and_z()
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(OverviewTests));
        await using var api = new ApiFactory(seeded.Db);
        using var client = api.CreateClient(seeded.Slug, SpiralRoles.Viewer);

        var overview = await ApiAssert.OkAsync(await client.GetAsync($"/api/v1/overview?as_of={AsOf}", Ct));

        Assert.Equal(MetricCategories.All, overview.GetProperty("cards").EnumerateArray().Select(c => c.GetProperty("provider").GetString()));
        Assert.All(overview.GetProperty("cards").EnumerateArray(), c => Assert.Equal("ok", c.GetProperty("status").GetString()));
        Assert.Equal(["Atlas", "Orion", "Phoenix"], overview.GetProperty("teams").EnumerateArray().Select(t => t.GetString()));
        var stats = await SprintStatsAsync(seeded);
        var throughput = Card(overview, "throughput");
        var health = Card(overview, "sprint_health");
        foreach (var team in new[] { "Atlas", "Orion", "Phoenix" })
        {
            var latest = stats.Single(s => s.Team == team && s.Recency == 1);
            var previous = stats.Single(s => s.Team == team && s.Recency == 2);
            var velocity = Cell(throughput, "velocity", team);
            Assert.Equal(latest.Sprint, velocity.GetProperty("sprint").GetString());
            Assert.Equal(latest.Velocity!.Value, velocity.GetProperty("value").GetDouble(), 6);
            Assert.Equal(previous.Velocity!.Value, velocity.GetProperty("previous").GetDouble(), 6);
            var expectedTrend = latest.Velocity > previous.Velocity ? "up" : latest.Velocity < previous.Velocity ? "down" : "flat";
            Assert.Equal(expectedTrend, velocity.GetProperty("trend").GetString());
            if (expectedTrend != "flat")
            {
                Assert.Equal(expectedTrend == "up" ? "better" : "worse", velocity.GetProperty("assessment").GetString());
            }

            // the sparkline: the team's last 8 closed sprints, oldest first, ending at the latest value
            var spark = velocity.GetProperty("spark").EnumerateArray().ToList();
            Assert.Equal(stats.Where(s => s.Team == team && s.Recency <= 8).OrderByDescending(s => s.Recency).Select(s => s.Velocity),
                spark.Select(p => Number(p.GetProperty("value"))));
            Assert.Equal(latest.Sprint, spark[^1].GetProperty("label").GetString());

            // z and the anomaly flag: the z-score worked out by SprintOracle
            Assert.Equal(latest.ZVelocity is null ? null : Math.Round(latest.ZVelocity.Value, 3), Number(velocity.GetProperty("z")));
            Assert.Equal(latest.ZVelocity is { } z && Math.Abs(z) >= 2, velocity.GetProperty("anomaly").GetBoolean());

            var spill = Cell(health, "spillover_ratio", team);
            Assert.Equal(latest.Spillover!.Value, spill.GetProperty("value").GetDouble(), 6);
        }

        // lead time has no per-sprint value: its sparkline is by week and still has points
        var lead = Card(overview, "lead_time").GetProperty("metrics").EnumerateArray().First();
        Assert.Equal("week", lead.GetProperty("sparkline").GetString());
        Assert.Contains(lead.GetProperty("teams").EnumerateArray(), t => t.GetProperty("spark").GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_team_narrows_every_card_and_an_unknown_team_is_a_400_naming_the_field()
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(OverviewTests));
        await using var api = new ApiFactory(seeded.Db);
        using var client = api.CreateClient(seeded.Slug, SpiralRoles.Lead);

        var phoenix = await ApiAssert.OkAsync(await client.GetAsync($"/api/v1/overview?team=phoenix&as_of={AsOf}", Ct));
        Assert.Equal("Phoenix", phoenix.GetProperty("team").GetString());
        Assert.All(phoenix.GetProperty("cards").EnumerateArray().SelectMany(c => c.GetProperty("metrics").EnumerateArray()),
            m => Assert.Equal(["Phoenix"], m.GetProperty("teams").EnumerateArray().Select(t => t.GetProperty("team").GetString())));

        var problem = await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/overview?team=Zeus", Ct), HttpStatusCode.BadRequest);
        Assert.StartsWith("team: 'Zeus'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var anonymous = api.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/overview", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_failing_provider_and_a_hanging_one_show_their_own_error_and_every_other_card_renders()
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(OverviewTests));
        var logs = new ListLoggerProvider();
        await using var api = new ApiFactory(seeded.Db, new Dictionary<string, string?> { ["Overview:ProviderTimeoutSeconds"] = "2" });
        await using var withBroken = api.WithWebHostBuilder(b =>
        {
            b.ConfigureTestServices(s =>
            {
                s.AddSingleton<IOverviewProvider, FailingProvider>();
                s.AddSingleton<IOverviewProvider, HangingProvider>();
            });
            b.ConfigureLogging(l => l.AddProvider(logs));
        });
        using var client = withBroken.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", api.Token(seeded.Slug, SpiralRoles.Viewer));

        var started = DateTime.UtcNow;
        var overview = await ApiAssert.OkAsync(await client.GetAsync($"/api/v1/overview?as_of={AsOf}", Ct));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "the hanging provider must not hold the page");
        var cards = overview.GetProperty("cards").EnumerateArray().ToList();
        Assert.Equal(MetricCategories.All.Count + 2, cards.Count);
        var broken = Card(overview, "broken_provider");
        Assert.Equal("error", broken.GetProperty("status").GetString());
        Assert.DoesNotContain("data source is down", broken.GetProperty("error").GetString(), StringComparison.Ordinal); // no internals
        Assert.Equal("timeout", Card(overview, "hanging_provider").GetProperty("status").GetString());
        Assert.All(cards.Where(c => MetricCategories.All.Contains(c.GetProperty("provider").GetString())), c =>
        {
            Assert.Equal("ok", c.GetProperty("status").GetString());
            Assert.NotEqual(0, c.GetProperty("metrics").GetArrayLength());
        });
        Assert.Contains(logs.Entries, e => e.EventId == 1200 && e.Level == LogLevel.Warning && e.Message.Contains("broken_provider", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.EventId == 1201 && e.Message.Contains("hanging_provider", StringComparison.Ordinal));
    }
    [Fact]
    public async Task A_complete_overview_is_reused_until_a_refresh_changes_the_data_version()
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(OverviewTests));
        await using var api = new ApiFactory(seeded.Db);
        using var client = api.CreateClient(seeded.Slug, SpiralRoles.Viewer);

        var first = await ApiAssert.OkAsync(await client.GetAsync($"/api/v1/overview?as_of={AsOf}", Ct));
        var second = await ApiAssert.OkAsync(await client.GetAsync($"/api/v1/overview?as_of={AsOf}", Ct));
        var otherTeam = await ApiAssert.OkAsync(await client.GetAsync($"/api/v1/overview?team=Atlas&as_of={AsOf}", Ct));

        Assert.Equal("miss", first.GetProperty("cache").GetString());
        Assert.Equal("hit", second.GetProperty("cache").GetString());
        Assert.Equal(first.GetProperty("cards").GetRawText(), second.GetProperty("cards").GetRawText());
        Assert.Equal("miss", otherTeam.GetProperty("cache").GetString());

        using (var host = QueryFixture.Host(seeded.Db))
        {
            await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
        }

        var afterRefresh = await ApiAssert.OkAsync(await client.GetAsync($"/api/v1/overview?as_of={AsOf}", Ct));
        Assert.Equal("miss", afterRefresh.GetProperty("cache").GetString());
        Assert.True(afterRefresh.GetProperty("data_version").GetInt64() > first.GetProperty("data_version").GetInt64());
    }
}
