using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Catalog;

/// <summary>One demo tenant (deterministic seed) with the shipped catalog; the tenant metrics of issue 14's "done when" are defined on it.</summary>
public static class TenantMetricFixture
{
    public const string AsOf = "2026-03-02";

    public sealed record Seeded(TestDatabase Db, string Slug, Guid TenantId);

    public static Task<Seeded> SeededAsync(PostgresServer server, string database) =>
        server.OnceAsync("tenant-metrics:" + database, async () =>
        {
            var db = await server.DatabaseAsync(database);
            var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
            Assert.True(catalog.ExitCode == 0, catalog.Error);
            var slug = TestData.NewSlug("tm");
            var id = await TestData.CreateTenantAsync(db, slug);
            var seed = await TestData.CliAsync(db, "demo", "seed", "--tenant", slug, "--sprints", "20", "--seed", "7", "--as-of", AsOf, "--refresh");
            Assert.True(seed.ExitCode == 0, seed.Error);
            return new Seeded(db, slug, id);
        });

    public const string CriticalBugs =
        """
        name: critical_bugs_closed
        display_name: Critical bugs closed
        category: quality
        description: Bugs of the two highest priorities that were completed inside the sprint, each counted once.
        type: aggregate
        aggregate: count
        measure: completed_issues
        where: { issue_type: [Bug], priority: [Highest, High] }
        unit: issues
        direction: higher_is_better
        grain: sprint
        time_column: sprint_close_at
        dimensions: [team, sprint, assignee, epic, month, quarter]
        synonyms: [critical bugs closed, critical bugs fixed, critical bug closures]
        version: 1.0.0
        status: draft
        """;

    public const string GoalMet =
        """
        name: sprint_goal_met_share
        display_name: Share of sprints whose goal was met
        category: sprint_health
        description: Of the closed sprints that had a goal, the share that delivered at least 80% of what they committed to.
        type: sql
        sql: |
          SELECT g.sprint_key,
                 CASE WHEN s.committed_completed_points / nullif(s.committed_points, 0) >= 0.8 THEN 1.0 ELSE 0.0 END AS value
          FROM sprint_goals g
          JOIN sprint_stats s ON s.sprint_key = g.sprint_key
          WHERE g.goal IS NOT NULL AND s.sprint_state = 'closed'
        output: [sprint_key, value]
        rollup: avg
        unit: ratio
        direction: higher_is_better
        grain: sprint
        time_column: sprint_close_at
        dimensions: [team, sprint, month, quarter]
        synonyms: [share of sprints whose goal was met, sprint goals met, goal hit rate]
        version: 1.0.0
        status: draft
        """;
}

/// <summary>Issue 14, "done when": a tenant metric and a SQL metric defined, validated, previewed, activated, asked for, answered with their tenant version, and exported/imported.</summary>
public sealed class TenantMetricTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static Dictionary<string, double?> BySprint(JsonElement result, string metric) =>
        result.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("sprint_key").GetString()!,
            r => r.GetProperty(metric).ValueKind == JsonValueKind.Null ? (double?)null : r.GetProperty(metric).GetDouble());

    [Fact]
    public async Task Critical_bugs_closed_per_sprint_is_defined_previewed_activated_and_answered_with_its_tenant_version()
    {
        var seeded = await TenantMetricFixture.SeededAsync(server, nameof(TenantMetricTests));
        await using var api = new ApiFactory(seeded.Db);
        using var admin = api.CreateClient(seeded.Slug, SpiralRoles.Admin, "ana");
        using var lead = api.CreateClient(seeded.Slug, SpiralRoles.Lead, "leo");

        var validation = await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/admin/metrics/validate", TenantMetricFixture.CriticalBugs, "application/yaml"));
        Assert.True(validation.GetProperty("valid").GetBoolean(), validation.ToString());
        var created = await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/admin/metrics", TenantMetricFixture.CriticalBugs, "application/yaml"),
            HttpStatusCode.Created);
        Assert.Equal("draft", created.GetProperty("metric").GetProperty("status").GetString());

        // A draft is invisible: not in the tenant's catalog, not found by the translator.
        Assert.DoesNotContain((await ApiAssert.OkAsync(await lead.GetAsync("/api/v1/metrics", Ct))).EnumerateArray(),
            m => m.GetProperty("name").GetString() == "critical_bugs_closed");
        var before = await TestData.CliAsync(seeded.Db, "translate", "critical bugs closed per sprint", "--tenant", seeded.Slug, "--as-of", TenantMetricFixture.AsOf,
            "--json");
        Assert.DoesNotContain("critical_bugs_closed", before.Out, StringComparison.Ordinal);

        // The preview: the last 8 sprints of each team, equal to the shipped completed_issues narrowed by spec filters (another code path).
        var preview = await ApiAssert.OkAsync(await admin.PostAsync($"/api/v1/admin/metrics/critical_bugs_closed/preview?as_of={TenantMetricFixture.AsOf}", null, Ct));
        var previewed = BySprint(preview, "critical_bugs_closed");
        var expected = BySprint(await ApiAssert.OkAsync(await lead.PostJsonAsync($"/api/v1/query?as_of={TenantMetricFixture.AsOf}", new
        {
            metrics = new[] { "completed_issues" },
            group_by = new[] { "sprint" },
            filters = new object[]
            {
                new { dimension = "issue_type", op = "in", values = new[] { "Bug" } },
                new { dimension = "priority", op = "in", values = new[] { "Highest", "High" } },
            },
            time = new { type = "last_sprints", n = 8 },
        })), "completed_issues");
        Assert.True(previewed.Count >= 8, $"{previewed.Count} sprints previewed");
        Assert.Contains(previewed.Values, v => v > 0);
        foreach (var (sprint, value) in previewed)
        {
            Assert.Equal(expected.GetValueOrDefault(sprint) ?? 0, value);
        }

        await ApiAssert.OkAsync(await admin.PostAsync("/api/v1/admin/metrics/critical_bugs_closed/activate", null, Ct));

        var ask = await TestData.CliAsync(seeded.Db, "ask", "critical bugs closed per sprint", "--tenant", seeded.Slug, "--as-of", TenantMetricFixture.AsOf, "--json");
        Assert.True(ask.ExitCode == 0, ask.Error);
        var answer = Json(ask.Out);
        Assert.Equal("critical_bugs_closed", answer.GetProperty("spec").GetProperty("metrics")[0].GetString());
        Assert.Equal("1.0.0", answer.GetProperty("metric_versions").GetProperty("critical_bugs_closed").GetString());
        Assert.Equal("tenant", answer.GetProperty("metric_layers").GetProperty("critical_bugs_closed").GetString());
        var column = answer.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "critical_bugs_closed");
        Assert.Equal("tenant", column.GetProperty("layer").GetString());
        foreach (var (sprint, value) in BySprint(answer, "critical_bugs_closed").Where(s => previewed.ContainsKey(s.Key)))
        {
            Assert.Equal(previewed[sprint], value);
        }
    }

    [Fact]
    public async Task The_SQL_metric_share_of_sprints_whose_goal_was_met_is_checked_previewed_activated_and_answered()
    {
        var seeded = await TenantMetricFixture.SeededAsync(server, nameof(TenantMetricTests));
        await using var api = new ApiFactory(seeded.Db);
        using var admin = api.CreateClient(seeded.Slug, SpiralRoles.Admin, "ana");

        await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/admin/metrics", TenantMetricFixture.GoalMet, "application/yaml"), HttpStatusCode.Created);
        var preview = await ApiAssert.OkAsync(await admin.PostAsync($"/api/v1/admin/metrics/sprint_goal_met_share/preview?as_of={TenantMetricFixture.AsOf}", null, Ct));
        Assert.True(BySprint(preview, "sprint_goal_met_share").Count >= 8);
        await ApiAssert.OkAsync(await admin.PostAsync("/api/v1/admin/metrics/sprint_goal_met_share/activate", null, Ct));

        var ask = await TestData.CliAsync(seeded.Db, "ask", "share of sprints whose goal was met, all time", "--tenant", seeded.Slug,
            "--as-of", TenantMetricFixture.AsOf, "--json");
        Assert.True(ask.ExitCode == 0, ask.Error);
        var answer = Json(ask.Out);
        Assert.Equal("sprint_goal_met_share", answer.GetProperty("spec").GetProperty("metrics")[0].GetString());
        Assert.Equal("tenant", answer.GetProperty("metric_layers").GetProperty("sprint_goal_met_share").GetString());
        Assert.Equal("1.0.0", answer.GetProperty("metric_versions").GetProperty("sprint_goal_met_share").GetString());

        // Independently, from the base table's goals and SprintOracle's say/do: per sprint 1 when say/do >= 0.8, over closed sprints
        // with a goal; per team their mean.
        var oracle = await SprintOracle.ReadAsync(seeded.Db.OwnerConnectionString, seeded.TenantId, Ct);
        var expected = new Dictionary<string, (string Team, double Value)>();
        await using (var session = await Infrastructure.Data.TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, seeded.TenantId, Ct))
        {
            await using var command = session.Command("SELECT key FROM sprints WHERE goal IS NOT NULL");
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                if (oracle.Sprints.TryGetValue(reader.GetString(0), out var sprint) && sprint.State == "closed")
                {
                    expected[sprint.Key] = (sprint.TeamName, sprint.Values["say_do_ratio"] >= 0.8 ? 1.0 : 0.0);
                }
            }
        }

        // A series lists every sprint of the window: one without a goal has no value (null), never 0.
        var rows = answer.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("sprint_key").GetString()!);
        Assert.True(expected.Keys.All(rows.ContainsKey), answer.GetProperty("spec").ToString());
        Assert.Contains(expected.Values, v => v.Value == 1);
        Assert.Contains(expected.Values, v => v.Value == 0);
        foreach (var (key, row) in rows)
        {
            var value = row.GetProperty("sprint_goal_met_share");
            if (expected.TryGetValue(key, out var sprint))
            {
                Assert.Equal(sprint.Value, value.GetDouble(), 9);
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, value.ValueKind);
            }
        }

        // Rolled up per team (rollup: avg), through the same query path the chat uses.
        var perTeam = await ApiAssert.OkAsync(await api.CreateClient(seeded.Slug, SpiralRoles.Lead).PostJsonAsync($"/api/v1/query?as_of={TenantMetricFixture.AsOf}",
            new { metrics = new[] { "sprint_goal_met_share" }, group_by = new[] { "team" }, time = new { type = "all" } }));
        foreach (var row in perTeam.GetProperty("rows").EnumerateArray())
        {
            var team = row.GetProperty("team").GetString()!;
            Assert.Equal(expected.Values.Where(v => v.Team == team).Average(v => v.Value), row.GetProperty("sprint_goal_met_share").GetDouble(), 9);
        }
    }

    [Fact]
    public async Task An_issue_grain_percentile_with_a_row_filter_previews_by_month_like_the_shipped_median_with_a_spec_filter()
    {
        var seeded = await TenantMetricFixture.SeededAsync(server, nameof(TenantMetricTests));
        await using var api = new ApiFactory(seeded.Db);
        using var admin = api.CreateClient(seeded.Slug, SpiralRoles.Admin);
        const string yaml =
            """
            name: bug_cycle_time_median
            display_name: Bug cycle time median
            category: lead_time
            description: The median cycle time of bugs resolved in the period, in days.
            type: aggregate
            aggregate: percentile
            p: 0.5
            measure: cycle_time_days
            where: { issue_type: [bug] }
            unit: days
            direction: lower_is_better
            grain: issue
            time_column: resolved_at
            dimensions: [team, month, quarter]
            synonyms: [bug cycle time median, median bug cycle time, how long bugs take]
            version: 1.0.0
            status: draft
            """;
        await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/admin/metrics", yaml, "application/yaml"), HttpStatusCode.Created);

        var preview = await ApiAssert.OkAsync(await admin.PostAsync($"/api/v1/admin/metrics/bug_cycle_time_median/preview?as_of={TenantMetricFixture.AsOf}", null, Ct));
        var shipped = await ApiAssert.OkAsync(await admin.PostJsonAsync($"/api/v1/query?as_of={TenantMetricFixture.AsOf}", new
        {
            metrics = new[] { "cycle_time_p50" },
            group_by = new[] { "month" },
            filters = new object[] { new { dimension = "issue_type", op = "in", values = new[] { "Bug" } } },
            time = new { type = "rolling", unit = "month", n = 8 },
        }));

        var expected = shipped.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("month").GetString()!, r => r.GetProperty("cycle_time_p50"));
        var rows = preview.GetProperty("rows").EnumerateArray().ToList();
        Assert.True(rows.Count >= 2, preview.ToString()); // 20 sprints over 5 teams: about three months of data
        Assert.Contains(rows, r => r.GetProperty("bug_cycle_time_median").ValueKind == JsonValueKind.Number);
        foreach (var row in rows)
        {
            var month = row.GetProperty("month").GetString()!;
            var value = row.GetProperty("bug_cycle_time_median");
            if (value.ValueKind == JsonValueKind.Null)
            {
                Assert.True(!expected.TryGetValue(month, out var e) || e.ValueKind == JsonValueKind.Null, month);
            }
            else
            {
                Assert.Equal(expected[month].GetDouble(), value.GetDouble(), 9);
            }
        }
    }

    [Fact]
    public async Task The_tenant_layer_exports_and_imports_round_trip_into_another_tenant()
    {
        var seeded = await TenantMetricFixture.SeededAsync(server, nameof(TenantMetricTests) + "Export");
        await using var api = new ApiFactory(seeded.Db);
        using var admin = api.CreateClient(seeded.Slug, SpiralRoles.Admin, "ana");
        await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/admin/metrics", TenantMetricFixture.CriticalBugs, "application/yaml"), HttpStatusCode.Created);
        await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/admin/metrics", TenantMetricFixture.GoalMet, "application/yaml"), HttpStatusCode.Created);
        await ApiAssert.OkAsync(await admin.PostAsync("/api/v1/admin/metrics/sprint_goal_met_share/activate", null, Ct));
        var other = TestData.NewSlug("copy");
        await TestData.CreateTenantAsync(seeded.Db, other);
        var first = Directory.CreateTempSubdirectory("spiral-tenant-catalog-").FullName;
        var second = Directory.CreateTempSubdirectory("spiral-tenant-catalog-").FullName;

        var export = await TestData.CliAsync(seeded.Db, "catalog", "export", first, "--tenant", seeded.Slug);
        var validate = await TestData.CliAsync(seeded.Db, "catalog", "validate", first, "--tenant", other);
        var import = await TestData.CliAsync(seeded.Db, "catalog", "import", first, "--tenant", other);
        var again = await TestData.CliAsync(seeded.Db, "catalog", "import", first, "--tenant", other);
        var exportBack = await TestData.CliAsync(seeded.Db, "catalog", "export", second, "--tenant", other);

        Assert.True(export.ExitCode == 0, export.Error);
        Assert.True(validate.ExitCode == 0, validate.Error);
        Assert.True(import.ExitCode == 0, import.Error);
        Assert.Contains("2 changed", import.Out, StringComparison.Ordinal);
        Assert.Contains("0 changed", again.Out, StringComparison.Ordinal);
        Assert.True(exportBack.ExitCode == 0, exportBack.Error);
        var files = Directory.GetFiles(first).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["critical_bugs_closed.yaml", "sprint_goal_met_share.yaml"], files);
        foreach (var file in files)
        {
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(first, file!), Ct), await File.ReadAllTextAsync(Path.Combine(second, file!), Ct));
        }

        Assert.Contains("status: active", await File.ReadAllTextAsync(Path.Combine(second, "sprint_goal_met_share.yaml"), Ct), StringComparison.Ordinal);
        Assert.Contains("status: draft", await File.ReadAllTextAsync(Path.Combine(second, "critical_bugs_closed.yaml"), Ct), StringComparison.Ordinal);
    }
}
