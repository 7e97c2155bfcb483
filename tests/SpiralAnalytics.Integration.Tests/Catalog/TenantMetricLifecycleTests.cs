using System.Net;
using System.Text.Json;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Catalog;

/// <summary>Issue 14: draft → active → archived, versions, deleting drafts, and the values materialized after each refresh.</summary>
public sealed class TenantMetricLifecycleTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Points(string name, string version = "1.0.0", string display = "Our points") =>
        TenantMetricFixture.CriticalBugs
            .Replace("name: critical_bugs_closed", $"name: {name}", StringComparison.Ordinal)
            .Replace("display_name: Critical bugs closed", $"display_name: {display} {name}", StringComparison.Ordinal)
            .Replace("[critical bugs closed, critical bugs fixed, critical bug closures]", $"[{name} a, {name} b, {name} c]", StringComparison.Ordinal)
            .Replace("version: 1.0.0", $"version: {version}", StringComparison.Ordinal);

    private static List<string> Names(JsonElement list) => list.EnumerateArray().Select(m => m.GetProperty("name").GetString()!).ToList();

    [Fact]
    public async Task A_metric_goes_from_draft_to_active_to_archived_keeping_its_versions_and_only_drafts_are_deleted()
    {
        var seeded = await TenantMetricFixture.SeededAsync(server, nameof(TenantMetricLifecycleTests));
        await using var api = new ApiFactory(seeded.Db);
        using var admin = api.CreateClient(seeded.Slug, SpiralRoles.Admin);
        using var lead = api.CreateClient(seeded.Slug, SpiralRoles.Lead);
        var name = "life_" + Guid.NewGuid().ToString("N")[..6];

        await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/admin/metrics", Points(name), "application/yaml"), HttpStatusCode.Created);
        // The same file again is unchanged, whatever order PostgreSQL keeps the row filter's keys in.
        var same = await ApiAssert.OkAsync(await admin.PutAsync($"/api/v1/admin/metrics/{name}", new StringContent(Points(name)), Ct));
        Assert.Equal("unchanged", same.GetProperty("action").GetString());
        var rewritten = await ApiAssert.OkAsync(await admin.PutAsync($"/api/v1/admin/metrics/{name}", new StringContent(Points(name, display: "Draft points")), Ct));
        Assert.Equal("draft_updated", rewritten.GetProperty("action").GetString());
        await ApiAssert.ProblemAsync(await lead.PostAsync($"/api/v1/admin/metrics/{name}/activate", null, Ct), HttpStatusCode.Forbidden);
        var active = await ApiAssert.OkAsync(await admin.PostAsync($"/api/v1/admin/metrics/{name}/activate", null, Ct));
        Assert.Equal("active", active.GetProperty("status").GetString());
        Assert.Contains(name, Names(await ApiAssert.OkAsync(await lead.GetAsync("/api/v1/metrics", Ct))));

        var sameVersion = await admin.PutAsync($"/api/v1/admin/metrics/{name}", new StringContent(Points(name, display: "Changed points")), Ct);
        Assert.Contains("bump it", (await ApiAssert.ProblemAsync(sameVersion, HttpStatusCode.BadRequest)).GetProperty("details")[0].GetString(), StringComparison.Ordinal);
        var bumped = await ApiAssert.OkAsync(await admin.PutAsync($"/api/v1/admin/metrics/{name}", new StringContent(Points(name, "1.1.0", "Changed points")), Ct));
        Assert.Equal("new_version", bumped.GetProperty("action").GetString());
        Assert.Equal("active", bumped.GetProperty("metric").GetProperty("status").GetString());
        var versions = await ApiAssert.OkAsync(await lead.GetAsync($"/api/v1/metrics/{name}/versions", Ct));
        Assert.Equal(["1.0.0", "1.1.0"], versions.EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        var old = await ApiAssert.OkAsync(await admin.GetAsync($"/api/v1/admin/metrics/{name}?version=1.0.0", Ct));
        Assert.StartsWith("Draft points", old.GetProperty("display_name").GetString(), StringComparison.Ordinal);

        await ApiAssert.ProblemAsync(await admin.PostJsonAsync($"/api/v1/admin/metrics/{name}/archive", new { replaced_by = "completed_isues" }), HttpStatusCode.BadRequest);
        var archived = await ApiAssert.OkAsync(await admin.PostJsonAsync($"/api/v1/admin/metrics/{name}/archive", new { replaced_by = "completed_issues", reason = "shipped one is enough" }));
        Assert.Equal("archived", archived.GetProperty("status").GetString());
        Assert.Equal("completed_issues", archived.GetProperty("replaced_by").GetString());
        Assert.DoesNotContain(name, Names(await ApiAssert.OkAsync(await lead.GetAsync("/api/v1/metrics", Ct))));
        await ApiAssert.ProblemAsync(await admin.DeleteAsync($"/api/v1/admin/metrics/{name}", Ct), HttpStatusCode.Conflict);

        var draft = name + "_d";
        await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/admin/metrics", Points(draft), "application/yaml"), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/admin/metrics/{draft}", Ct)).StatusCode);
        await ApiAssert.ProblemAsync(await admin.GetAsync($"/api/v1/admin/metrics/{draft}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_cli_manages_a_tenants_layer_with_the_same_rules()
    {
        var seeded = await TenantMetricFixture.SeededAsync(server, nameof(TenantMetricLifecycleTests));
        var folder = Directory.CreateTempSubdirectory("spiral-tenant-cli-").FullName;
        var name = "cli_" + Guid.NewGuid().ToString("N")[..6];
        await File.WriteAllTextAsync(Path.Combine(folder, name + ".yaml"), Points(name), Ct);
        var broken = Directory.CreateTempSubdirectory("spiral-tenant-cli-").FullName;
        await File.WriteAllTextAsync(Path.Combine(broken, name + ".yaml"), Points(name).Replace("measure: completed_issues", "measure: completed_isues", StringComparison.Ordinal), Ct);

        var invalid = await TestData.CliAsync(seeded.Db, "catalog", "validate", broken, "--tenant", seeded.Slug);
        var refused = await TestData.CliAsync(seeded.Db, "catalog", "import", broken, "--tenant", seeded.Slug);
        var import = await TestData.CliAsync(seeded.Db, "catalog", "import", folder, "--tenant", seeded.Slug);
        var preview = await TestData.CliAsync(seeded.Db, "catalog", "preview", name, "--tenant", seeded.Slug, "--as-of", TenantMetricFixture.AsOf);
        var activate = await TestData.CliAsync(seeded.Db, "catalog", "activate", name, "--tenant", seeded.Slug);
        var list = await TestData.CliAsync(seeded.Db, "catalog", "list", "--tenant", seeded.Slug, "--category", "quality");
        var shippedList = await TestData.CliAsync(seeded.Db, "catalog", "list", "--category", "quality");
        var archive = await TestData.CliAsync(seeded.Db, "catalog", "archive", name, "--tenant", seeded.Slug, "--replaced-by", "completed_issues");
        var delete = await TestData.CliAsync(seeded.Db, "catalog", "delete", name, "--tenant", seeded.Slug);
        var versions = await TestData.CliAsync(seeded.Db, "catalog", "versions", name, "--tenant", seeded.Slug);

        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains($"{name}.yaml:7: measure: unknown measure 'completed_isues'; did you mean 'completed_issues'?", invalid.Error, StringComparison.Ordinal);
        Assert.Equal(1, refused.ExitCode);
        Assert.True(import.ExitCode == 0, import.Error);
        Assert.True(preview.ExitCode == 0, preview.Error);
        Assert.Contains($"metrics {name} 1.0.0 (tenant) (preview: nothing stored)", preview.Out, StringComparison.Ordinal);
        Assert.Contains("is active", activate.Out, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^{name}\s+quality\s+aggregate\s+issues\s+1\.0\.0\s+tenant\s+active", list.Out);
        Assert.DoesNotContain(name, shippedList.Out, StringComparison.Ordinal);
        Assert.Contains("replaced by 'completed_issues'", archive.Out, StringComparison.Ordinal);
        Assert.Equal(1, delete.ExitCode);
        Assert.Contains("only a draft can be deleted", delete.Error, StringComparison.Ordinal);
        Assert.Contains("1.0.0 *", versions.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refresh_materializes_active_metrics_and_records_a_failing_one_without_stopping_the_others()
    {
        var db = await server.DatabaseAsync(nameof(TenantMetricLifecycleTests) + "Values");
        var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
        Assert.True(catalog.ExitCode == 0, catalog.Error);
        var slug = TestData.NewSlug("mv");
        await TestData.CreateTenantAsync(db, slug);
        await using var api = new ApiFactory(db);
        using var admin = api.CreateClient(slug, SpiralRoles.Admin);

        // Saved while the tenant has no data: the dry run over zero rows passes; over real data it divides by zero.
        var failing = TenantMetricFixture.GoalMet
            .Replace("name: sprint_goal_met_share", "name: broken_share", StringComparison.Ordinal)
            .Replace("display_name: Share of sprints whose goal was met", "display_name: Broken share", StringComparison.Ordinal)
            .Replace("[share of sprints whose goal was met, sprint goals met, goal hit rate]", "[broken a, broken b, broken c]", StringComparison.Ordinal)
            .Replace("CASE WHEN s.committed_completed_points / nullif(s.committed_points, 0) >= 0.8 THEN 1.0 ELSE 0.0 END AS value", "s.committed_points / (s.committed_points - s.committed_points) AS value",
                StringComparison.Ordinal);
        foreach (var (yaml, name) in new[] { (TenantMetricFixture.CriticalBugs, "critical_bugs_closed"), (TenantMetricFixture.GoalMet, "sprint_goal_met_share"), (failing, "broken_share") })
        {
            await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/admin/metrics", yaml, "application/yaml"), HttpStatusCode.Created);
            await ApiAssert.OkAsync(await admin.PostAsync($"/api/v1/admin/metrics/{name}/activate", null, Ct));
        }

        var seed = await TestData.CliAsync(db, "demo", "seed", "--tenant", slug, "--sprints", "20", "--seed", "7", "--as-of", TenantMetricFixture.AsOf, "--refresh");
        Assert.True(seed.ExitCode == 0, seed.Error + seed.Out);
        var refresh = await TestData.CliAsync(db, "refresh");
        Assert.Contains("tenant metrics: 2 computed, 1 failed", refresh.Out, StringComparison.Ordinal);

        var list = (await ApiAssert.OkAsync(await admin.GetAsync("/api/v1/admin/metrics", Ct))).EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!);
        var broken = list["broken_share"].GetProperty("last_run");
        Assert.Equal("failed", broken.GetProperty("status").GetString());
        Assert.Contains("division by zero", broken.GetProperty("error").GetString(), StringComparison.Ordinal);
        foreach (var name in new[] { "critical_bugs_closed", "sprint_goal_met_share" })
        {
            Assert.Equal("ok", list[name].GetProperty("last_run").GetProperty("status").GetString());
            var rows = list[name].GetProperty("last_run").GetProperty("rows").GetInt32();
            Assert.True(rows >= 8, $"{name}: {rows} rows");
            Assert.Equal(Math.Min(rows, Infrastructure.Catalog.TenantMetricValues.Latest), list[name].GetProperty("values").GetArrayLength());
        }

        // The materialized values are the metric's per-sprint answers.
        var preview = await ApiAssert.OkAsync(await admin.PostAsync($"/api/v1/admin/metrics/critical_bugs_closed/preview?as_of={TenantMetricFixture.AsOf}", null, Ct));
        var previewed = preview.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("sprint_key").GetString()!, r => r.GetProperty("critical_bugs_closed").GetDouble());
        var stored = list["critical_bugs_closed"].GetProperty("values").EnumerateArray().Where(v => previewed.ContainsKey(v.GetProperty("period").GetString()!)).ToList();
        Assert.NotEmpty(stored);
        Assert.All(stored, v => Assert.Equal(previewed[v.GetProperty("period").GetString()!], v.GetProperty("value").GetDouble()));
    }
}
