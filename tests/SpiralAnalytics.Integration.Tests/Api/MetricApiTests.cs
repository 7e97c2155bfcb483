using System.Net;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Api;

public sealed class MetricApiTests(PostgresServer server)
{
    private async Task<(ApiFactory Api, HttpClient Client)> ClientAsync()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        var api = new ApiFactory(seeded.Db);
        return (api, api.CreateClient(seeded.Slug, SpiralRoles.Viewer));
    }

    [Fact]
    public async Task Metrics_lists_the_catalog_and_filters_by_category()
    {
        var (api, client) = await ClientAsync();
        await using var _ = api;
        using var __ = client;

        var all = await ApiAssert.OkAsync(await client.GetAsync("/api/v1/metrics", TestContext.Current.CancellationToken));
        var quality = await ApiAssert.OkAsync(await client.GetAsync("/api/v1/metrics?category=quality", TestContext.Current.CancellationToken));

        Assert.Equal(Directory.GetFiles(Path.Combine(RepoPaths.Root, "catalog"), "*.yaml").Length, all.GetArrayLength());
        var spillover = all.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "spillover_ratio");
        Assert.Equal("ratio", spillover.GetProperty("unit").GetString());
        Assert.False(string.IsNullOrEmpty(spillover.GetProperty("display_name").GetString()));
        Assert.InRange(quality.GetArrayLength(), 1, all.GetArrayLength() - 1);
        Assert.All(quality.EnumerateArray(), m => Assert.Equal("quality", m.GetProperty("category").GetString()));
    }

    [Fact]
    public async Task Unknown_category_is_400_with_a_suggestion()
    {
        var (api, client) = await ClientAsync();
        await using var _ = api;
        using var __ = client;

        var problem = await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/metrics?category=qualty", TestContext.Current.CancellationToken), HttpStatusCode.BadRequest);

        Assert.Contains("quality", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_finds_metrics_by_meaning()
    {
        var (api, client) = await ClientAsync();
        await using var _ = api;
        using var __ = client;

        var result = await ApiAssert.OkAsync(await client.GetAsync("/api/v1/metrics/search?q=work%20that%20spilled%20over&top=3", TestContext.Current.CancellationToken));

        var hits = result.GetProperty("hits").EnumerateArray().ToList();
        Assert.InRange(hits.Count, 1, 3);
        Assert.Contains(hits, h => h.GetProperty("name").GetString() == "spillover_ratio");
        await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/metrics/search?q=", TestContext.Current.CancellationToken), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/metrics/search?q=x&top=500", TestContext.Current.CancellationToken), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Metric_shows_its_definition_and_versions_and_unknown_names_are_404()
    {
        var (api, client) = await ClientAsync();
        await using var _ = api;
        using var __ = client;

        var metric = await ApiAssert.OkAsync(await client.GetAsync("/api/v1/metrics/spillover_ratio", TestContext.Current.CancellationToken));
        var pinned = await ApiAssert.OkAsync(await client.GetAsync("/api/v1/metrics/spillover_ratio?version=1.1.0", TestContext.Current.CancellationToken));
        var versions = await ApiAssert.OkAsync(await client.GetAsync("/api/v1/metrics/spillover_ratio/versions", TestContext.Current.CancellationToken));

        Assert.Equal("spillover_ratio", metric.GetProperty("name").GetString());
        Assert.Equal("ratio", metric.GetProperty("type").GetString());
        Assert.Equal("1.1.0", pinned.GetProperty("version").GetString());
        Assert.True(versions.EnumerateArray().Single().GetProperty("is_current").GetBoolean());
        var unknown = await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/metrics/spilover_ratio", TestContext.Current.CancellationToken), HttpStatusCode.NotFound);
        Assert.Contains("spillover_ratio", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/metrics/spillover_ratio?version=9.9.9", TestContext.Current.CancellationToken), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/metrics/nope/versions", TestContext.Current.CancellationToken), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Metrics_need_a_token()
    {
        var (api, client) = await ClientAsync();
        await using var _ = api;
        using var __ = client;
        using var anonymous = api.CreateClient();

        foreach (var url in new[] { "/api/v1/metrics", "/api/v1/metrics/search?q=x", "/api/v1/metrics/spillover_ratio", "/api/v1/metrics/spillover_ratio/versions" })
        {
            await ApiAssert.ProblemAsync(await anonymous.GetAsync(url, TestContext.Current.CancellationToken), HttpStatusCode.Unauthorized);
        }
    }
}
