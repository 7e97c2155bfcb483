using System.Net;
using System.Text.Json;
using Npgsql;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Api;

/// <summary>
/// Issue 14's security defect: a tenant's admin could change the global catalog. Now a tenant admin changes only the
/// tenant's own layer (RLS), can neither see nor change another tenant's metrics, and the shipped catalog changes only
/// through the operator path.
/// </summary>
public sealed class TenantCatalogIsolationTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Metric(string name, string measure = "completed_points", string version = "1.0.0", string display = "Evil points") =>
        $"""
        name: {name}
        display_name: {display} {name}
        category: sprint_health
        description: Points of completed issues, as this tenant defines them for itself.
        type: simple
        measure: {measure}
        unit: points
        direction: higher_is_better
        grain: sprint
        time_column: sprint_close_at
        dimensions: [team, sprint]
        synonyms: [{name} one, {name} two, {name} three]
        version: {version}
        status: active
        """;

    private static async Task<long> ShippedCountAsync(TestDatabase db)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT (SELECT count(*) FROM metrics) * 1000 + (SELECT count(*) FROM metric_versions)", connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static List<string> Names(JsonElement list) => list.EnumerateArray().Select(m => m.GetProperty("name").GetString()!).ToList();

    [Fact]
    public async Task A_tenant_admin_can_neither_change_nor_see_another_tenants_metrics_and_shipped_ones_change_only_through_the_operator()
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(TenantCatalogIsolationTests));
        await using var api = new ApiFactory(seeded.Db);
        using var evil = api.CreateClient(seeded.Other, SpiralRoles.Admin, "mallory");
        using var victim = api.CreateClient(seeded.Slug, SpiralRoles.Admin, "alice");
        using var victimLead = api.CreateClient(seeded.Slug, SpiralRoles.Lead, "bob");
        var shippedBefore = await ShippedCountAsync(seeded.Db);
        var victimCatalog = Names(await ApiAssert.OkAsync(await victimLead.GetAsync("/api/v1/metrics", Ct)));

        // The reproduction of the defect: evil's admin creates, re-versions and archives a metric. It lands in evil's layer only.
        var name = "evil_" + Guid.NewGuid().ToString("N")[..6];
        await ApiAssert.OkAsync(await evil.PostRawAsync("/api/v1/admin/metrics", Metric(name), "application/yaml"), HttpStatusCode.Created);
        await ApiAssert.OkAsync(await evil.PostAsync($"/api/v1/admin/metrics/{name}/activate", null, Ct));
        await ApiAssert.OkAsync(await evil.PutAsync($"/api/v1/admin/metrics/{name}",
            new StringContent(Metric(name, "spilled_points", "2.0.0")), Ct));
        // evil's own version of a shipped metric, with another measure: only evil is answered with it.
        await ApiAssert.OkAsync(await evil.PostRawAsync("/api/v1/admin/metrics", Metric("completed_sp", "spilled_points", "9.0.0", "Completed"), "application/yaml"),
            HttpStatusCode.Created);
        await ApiAssert.OkAsync(await evil.PostAsync("/api/v1/admin/metrics/completed_sp/activate", null, Ct));

        Assert.Equal(shippedBefore, await ShippedCountAsync(seeded.Db));
        Assert.Equal(victimCatalog, Names(await ApiAssert.OkAsync(await victimLead.GetAsync("/api/v1/metrics", Ct))));
        Assert.DoesNotContain(name, Names(await ApiAssert.OkAsync(await victim.GetAsync("/api/v1/admin/metrics", Ct))));
        await ApiAssert.ProblemAsync(await victim.GetAsync($"/api/v1/metrics/{name}", Ct), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await victim.GetAsync($"/api/v1/admin/metrics/{name}", Ct), HttpStatusCode.NotFound);
        var search = await ApiAssert.OkAsync(await victimLead.GetAsync($"/api/v1/metrics/search?q={name}+one", Ct));
        Assert.DoesNotContain(search.GetProperty("hits").EnumerateArray(), h => h.GetProperty("name").GetString() == name);
        var shippedCompleted = await ApiAssert.OkAsync(await victimLead.GetAsync("/api/v1/metrics/completed_sp", Ct));
        Assert.Equal("1.0.0", shippedCompleted.GetProperty("version").GetString());
        Assert.Equal("completed_points", shippedCompleted.GetProperty("measure").GetString());
        var evilCompleted = await ApiAssert.OkAsync(await evil.GetAsync("/api/v1/metrics/completed_sp", Ct));
        Assert.Equal("9.0.0", evilCompleted.GetProperty("version").GetString());

        // The victim's answers: the evil metric is unknown, completed_sp is the shipped one (stamped as such).
        var unknown = await victimLead.PostJsonAsync("/api/v1/query", new { metrics = new[] { name }, time = new { type = "all" } });
        await ApiAssert.ProblemAsync(unknown, HttpStatusCode.BadRequest);
        var answer = await ApiAssert.OkAsync(await victimLead.PostJsonAsync("/api/v1/query",
            new { metrics = new[] { "completed_sp" }, time = new { type = "all" } }));
        Assert.Equal("1.0.0", answer.GetProperty("metric_versions").GetProperty("completed_sp").GetString());
        Assert.Equal("shipped", answer.GetProperty("metric_layers").GetProperty("completed_sp").GetString());
        var evilAnswer = await ApiAssert.OkAsync(await evil.PostJsonAsync("/api/v1/query",
            new { metrics = new[] { "completed_sp" }, time = new { type = "all" } }));
        Assert.Equal("tenant", evilAnswer.GetProperty("metric_layers").GetProperty("completed_sp").GetString());

        // Every change evil's admin could try on the victim's metrics: the victim's metric does not exist for evil.
        var own = "mine_" + Guid.NewGuid().ToString("N")[..6];
        await ApiAssert.OkAsync(await victim.PostRawAsync("/api/v1/admin/metrics", Metric(own, display: "Our points"), "application/yaml"), HttpStatusCode.Created);
        await ApiAssert.ProblemAsync(await evil.GetAsync($"/api/v1/admin/metrics/{own}", Ct), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await evil.PutAsync($"/api/v1/admin/metrics/{own}", new StringContent(Metric(own, "spilled_points", "2.0.0")), Ct),
            HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await evil.PostAsync($"/api/v1/admin/metrics/{own}/activate", null, Ct), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await evil.PostJsonAsync($"/api/v1/admin/metrics/{own}/archive", new { reason = "mine now" }), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await evil.DeleteAsync($"/api/v1/admin/metrics/{own}", Ct), HttpStatusCode.NotFound);
        Assert.DoesNotContain(own, Names(await ApiAssert.OkAsync(await evil.GetAsync("/api/v1/admin/metrics", Ct))));
        var ours = await ApiAssert.OkAsync(await victim.GetAsync($"/api/v1/admin/metrics/{own}", Ct));
        Assert.Equal("draft", ours.GetProperty("status").GetString());
        Assert.Equal("completed_points", ours.GetProperty("measure").GetString());

        // The same name in two tenants is two metrics.
        await ApiAssert.OkAsync(await evil.PostRawAsync("/api/v1/admin/metrics", Metric(own, "spilled_points"), "application/yaml"), HttpStatusCode.Created);
        Assert.Equal("completed_points", (await ApiAssert.OkAsync(await victim.GetAsync($"/api/v1/admin/metrics/{own}", Ct))).GetProperty("measure").GetString());

        // The shipped catalog: a tenant admin is refused (403) on the operator path; the operator's change reaches every tenant.
        var shipped = "ops_" + Guid.NewGuid().ToString("N")[..6];
        await ApiAssert.ProblemAsync(await evil.PostRawAsync("/api/v1/operator/metrics", Metric(shipped), "application/yaml"), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await evil.PostJsonAsync("/api/v1/operator/metrics/completed_sp/deprecate", new { replaced_by = "velocity" }),
            HttpStatusCode.Forbidden);
        Assert.Equal(shippedBefore, await ShippedCountAsync(seeded.Db));
        using var operatorClient = api.CreateClient(api.Tokens.CreateOperator("ops"));
        await ApiAssert.ProblemAsync(await operatorClient.GetAsync("/api/v1/metrics", Ct), HttpStatusCode.Forbidden);
        await ApiAssert.OkAsync(await operatorClient.PostRawAsync("/api/v1/operator/metrics", Metric(shipped), "application/yaml"), HttpStatusCode.Created);
        Assert.Contains(shipped, Names(await ApiAssert.OkAsync(await victimLead.GetAsync("/api/v1/metrics", Ct))));
        Assert.Contains(shipped, Names(await ApiAssert.OkAsync(await evil.GetAsync("/api/v1/metrics", Ct))));
    }

    [Fact]
    public async Task The_runtime_role_cannot_write_the_shipped_catalog_nor_read_another_tenants_layer()
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(TenantCatalogIsolationTests));
        await using var api = new ApiFactory(seeded.Db);
        using var victim = api.CreateClient(seeded.Slug, SpiralRoles.Admin);
        var name = "rls_" + Guid.NewGuid().ToString("N")[..6];
        await ApiAssert.OkAsync(await victim.PostRawAsync("/api/v1/admin/metrics", Metric(name), "application/yaml"), HttpStatusCode.Created);
        var otherId = await new Infrastructure.Tenants.TenantDirectory(seeded.Db.DataSources).ResolveAsync(seeded.Other, Ct);

        await using var session = await Infrastructure.Data.TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, otherId, Ct);
        await using (var read = session.Command("SELECT count(*) FROM tenant_metrics WHERE name = $1"))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = name });
            Assert.Equal(0L, (long)(await read.ExecuteScalarAsync(Ct))!);
        }

        await using (var steal = session.Command("UPDATE tenant_metric_versions SET definition = '{}' WHERE metric_name = $1"))
        {
            steal.Parameters.Add(new NpgsqlParameter { Value = name });
            Assert.Equal(0, await steal.ExecuteNonQueryAsync(Ct));
        }

        await using var write = session.Command("UPDATE metrics SET status = 'deprecated' WHERE name = 'velocity'");
        var denied = await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync(Ct));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        await session.DisposeAsync();
        Assert.Equal("completed_points", (await ApiAssert.OkAsync(await victim.GetAsync($"/api/v1/admin/metrics/{name}", Ct))).GetProperty("measure").GetString());
    }
}
