using System.Net;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Api;

/// <summary>The shipped catalog's operator path (<c>/api/v1/operator/metrics</c>): only an operator token changes what every tenant sees.</summary>
public sealed class AdminApiTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<ApiFactory> ApiAsync()
    {
        var db = await server.OnceAsync(nameof(AdminApiTests), async () =>
        {
            var created = await server.DatabaseAsync(nameof(AdminApiTests));
            var import = await TestData.CliAsync(created, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
            Assert.True(import.ExitCode == 0, import.Error);
            return created;
        });
        return new ApiFactory(db);
    }

    /// <summary>completed_sp under a new name, with synonyms no other metric claims.</summary>
    private static string Definition(string name, string version = "1.0.0", string displayName = "Copied points") =>
        File.ReadAllText(Path.Combine(RepoPaths.Root, "catalog", "completed_sp.yaml"))
            .Replace("name: completed_sp", $"name: {name}", StringComparison.Ordinal)
            .Replace("display_name: Completed story points", $"display_name: {displayName} {name}", StringComparison.Ordinal)
            .Replace("  - completed points\n  - done points\n  - points completed\n  - points burned",
                $"  - {name} one\n  - {name} two\n  - {name} three", StringComparison.Ordinal)
            .Replace("version: 1.0.0", $"version: {version}", StringComparison.Ordinal);

    private static string NewName() => "api_" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Tenant_roles_admin_included_get_403_on_the_operator_endpoints()
    {
        await using var api = await ApiAsync();
        foreach (var role in new[] { SpiralRoles.Admin, SpiralRoles.Lead, SpiralRoles.Viewer })
        {
            using var client = api.CreateClient("acme", role);
            await ApiAssert.ProblemAsync(await client.PostRawAsync("/api/v1/operator/metrics", Definition(NewName()), "application/yaml"), HttpStatusCode.Forbidden);
            await ApiAssert.ProblemAsync(await client.PutAsync("/api/v1/operator/metrics/completed_sp", new StringContent(Definition("completed_sp", "1.0.1")), Ct), HttpStatusCode.Forbidden);
            await ApiAssert.ProblemAsync(await client.PostJsonAsync("/api/v1/operator/metrics/completed_sp/deprecate", new { replaced_by = "planned_sp" }), HttpStatusCode.Forbidden);
        }

        using var anonymous = api.CreateClient();
        await ApiAssert.ProblemAsync(await anonymous.PostRawAsync("/api/v1/operator/metrics", Definition(NewName()), "application/yaml"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Admin_creates_a_metric_from_YAML_and_it_is_readable()
    {
        await using var api = await ApiAsync();
        using var admin = api.CreateClient(api.Tokens.CreateOperator("ops"));
        var name = NewName();

        var response = await admin.PostRawAsync("/api/v1/operator/metrics", Definition(name), "application/yaml");
        var created = await ApiAssert.OkAsync(response, HttpStatusCode.Created);

        Assert.Equal("added", created.GetProperty("action").GetString());
        Assert.Equal($"/api/v1/operator/metrics/{name}", response.Headers.Location?.OriginalString);
        var read = await ApiAssert.OkAsync(await admin.GetAsync($"/api/v1/operator/metrics/{name}", Ct));
        Assert.Equal("1.0.0", read.GetProperty("version").GetString());
        await ApiAssert.ProblemAsync(await admin.PostRawAsync("/api/v1/operator/metrics", Definition(name), "application/yaml"), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Admin_creates_a_metric_from_JSON()
    {
        await using var api = await ApiAsync();
        using var admin = api.CreateClient(api.Tokens.CreateOperator("ops"));
        var name = NewName();
        var json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["name"] = name, ["display_name"] = "JSON points " + name, ["category"] = "sprint_health",
            ["description"] = "Completed points, defined through the API as JSON.", ["type"] = "simple", ["measure"] = "completed_points",
            ["unit"] = "points", ["direction"] = "higher_is_better", ["grain"] = "sprint", ["time_column"] = "sprint_close_at",
            ["dimensions"] = new[] { "team", "sprint" }, ["synonyms"] = new[] { name + " a", name + " b", name + " c" },
            ["depends_on"] = Array.Empty<string>(), ["version"] = "1.0.0", ["status"] = "active",
        });

        var created = await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/operator/metrics", json), HttpStatusCode.Created);

        Assert.Equal(name, created.GetProperty("metric").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Invalid_definition_is_400_with_the_same_problems_as_catalog_validate()
    {
        await using var api = await ApiAsync();
        using var admin = api.CreateClient(api.Tokens.CreateOperator("ops"));
        var broken = Definition(NewName()).Replace("unit: points", "unit: parsecs", StringComparison.Ordinal)
            .Replace("grain: sprint", "grain: galaxy", StringComparison.Ordinal);

        var problem = await ApiAssert.ProblemAsync(await admin.PostRawAsync("/api/v1/operator/metrics", broken, "application/yaml"), HttpStatusCode.BadRequest);

        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        Assert.Contains(errors, e => e.GetProperty("field").GetString() == "unit" && e.GetProperty("message").GetString()!.Contains("parsecs", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.GetProperty("field").GetString() == "grain");
        Assert.All(errors, e => Assert.True(e.GetProperty("line").GetInt32() > 0));
        await ApiAssert.ProblemAsync(await admin.PostRawAsync("/api/v1/operator/metrics", "name: [unclosed", "application/yaml"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await admin.PostRawAsync("/api/v1/operator/metrics", ""), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Update_with_a_higher_version_adds_a_version_and_keeps_the_old_one()
    {
        await using var api = await ApiAsync();
        using var admin = api.CreateClient(api.Tokens.CreateOperator("ops"));
        var name = NewName();
        await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/operator/metrics", Definition(name), "application/yaml"), HttpStatusCode.Created);

        var sameVersion = await admin.PutAsync($"/api/v1/operator/metrics/{name}", new StringContent(Definition(name, "1.0.0", "Renamed")), Ct);
        var updated = await ApiAssert.OkAsync(await admin.PutAsync($"/api/v1/operator/metrics/{name}", new StringContent(Definition(name, "1.1.0", "Renamed")), Ct));
        var unchanged = await ApiAssert.OkAsync(await admin.PutAsync($"/api/v1/operator/metrics/{name}", new StringContent(Definition(name, "1.1.0", "Renamed")), Ct));

        var problem = await ApiAssert.ProblemAsync(sameVersion, HttpStatusCode.BadRequest);
        Assert.Contains("bump it", problem.GetProperty("details")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("new_version", updated.GetProperty("action").GetString());
        Assert.Equal("1.0.0", updated.GetProperty("previous_version").GetString());
        Assert.Equal("unchanged", unchanged.GetProperty("action").GetString());
        var versions = await ApiAssert.OkAsync(await admin.GetAsync($"/api/v1/operator/metrics/{name}/versions", Ct));
        Assert.Equal(["1.0.0", "1.1.0"], versions.EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        var old = await ApiAssert.OkAsync(await admin.GetAsync($"/api/v1/operator/metrics/{name}?version=1.0.0", Ct));
        Assert.StartsWith("Copied points", old.GetProperty("display_name").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_of_an_unknown_metric_is_404_and_a_name_mismatch_400()
    {
        await using var api = await ApiAsync();
        using var admin = api.CreateClient(api.Tokens.CreateOperator("ops"));
        var name = NewName();

        await ApiAssert.ProblemAsync(await admin.PutAsync($"/api/v1/operator/metrics/{name}", new StringContent(Definition(name)), Ct), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await admin.PutAsync("/api/v1/operator/metrics/completed_sp", new StringContent(Definition(name)), Ct), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Deprecate_names_an_active_replacement()
    {
        await using var api = await ApiAsync();
        using var admin = api.CreateClient(api.Tokens.CreateOperator("ops"));
        var name = NewName();
        await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/operator/metrics", Definition(name), "application/yaml"), HttpStatusCode.Created);

        await ApiAssert.ProblemAsync(await admin.PostJsonAsync($"/api/v1/operator/metrics/{name}/deprecate", new { reason = "no replacement" }), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await admin.PostJsonAsync($"/api/v1/operator/metrics/{name}/deprecate", new { replaced_by = "nope" }), HttpStatusCode.NotFound);
        var deprecated = await ApiAssert.OkAsync(await admin.PostJsonAsync($"/api/v1/operator/metrics/{name}/deprecate", new { replaced_by = "completed_sp", reason = "duplicate" }));

        Assert.Equal("deprecated", deprecated.GetProperty("status").GetString());
        Assert.Equal("completed_sp", deprecated.GetProperty("replaced_by").GetString());
        Assert.Equal("duplicate", deprecated.GetProperty("deprecation_reason").GetString());
    }
}
