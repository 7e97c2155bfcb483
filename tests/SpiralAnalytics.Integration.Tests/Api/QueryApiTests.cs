using System.Net;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Api;

public sealed class QueryApiTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Spec = """{"metrics": ["spillover_ratio"], "group_by": ["team"], "time": {"type": "last_sprints", "n": 3}}""";

    private async Task<(ApiFactory Api, string Slug)> ApiAsync()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        return (new ApiFactory(seeded.Db), seeded.Slug);
    }

    [Fact]
    public async Task Query_returns_the_result_object_for_the_tokens_tenant()
    {
        var (api, slug) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(slug, SpiralRoles.Viewer);

        var result = await ApiAssert.OkAsync(await client.PostRawAsync("/api/v1/query?as_of=2024-04-25", Spec));

        Assert.Equal("2024-04-25T00:00:00Z", result.GetProperty("as_of").GetString());
        Assert.Equal(3, result.GetProperty("rows").GetArrayLength());
        Assert.Equal("team", result.GetProperty("columns")[0].GetProperty("name").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, result.GetProperty("metric_versions").GetProperty("spillover_ratio").ValueKind);
        Assert.Contains("$1", result.GetProperty("sql").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repeated_spec_is_served_from_the_answer_cache()
    {
        var (api, slug) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(slug, SpiralRoles.Viewer);
        const string url = "/api/v1/query?as_of=2024-04-24T13:17:00Z"; // an instant no other test asks at

        var first = await ApiAssert.OkAsync(await client.PostRawAsync(url, Spec));
        var second = await ApiAssert.OkAsync(await client.PostRawAsync(url, Spec));
        var reordered = await ApiAssert.OkAsync(await client.PostRawAsync(url,
            """{"time": {"n": 3, "type": "last_sprints"}, "group_by": ["team"], "metrics": ["spillover_ratio"]}"""));

        Assert.Equal("miss", first.GetProperty("cache").GetString());
        Assert.Equal("hit", second.GetProperty("cache").GetString());
        Assert.Equal("hit", reordered.GetProperty("cache").GetString()); // the key is the canonical spec
        Assert.Equal(first.GetProperty("rows").ToString(), second.GetProperty("rows").ToString());
        Assert.Equal(first.GetProperty("sql").GetString(), second.GetProperty("sql").GetString());
        Assert.True(second.GetProperty("timings_ms").TryGetProperty("cache", out var __));
    }

    [Fact]
    public async Task Query_takes_as_of_from_the_body_or_a_spec_wrapper()
    {
        var (api, slug) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(slug, SpiralRoles.Lead);

        var inline = await ApiAssert.OkAsync(await client.PostRawAsync("/api/v1/query", Spec[..^1] + """, "as_of": "2024-04-25"}"""));
        var wrapped = await ApiAssert.OkAsync(await client.PostRawAsync("/api/v1/query", $$"""{"spec": {{Spec}}, "as_of": "2024-04-25T00:00:00Z"}"""));

        Assert.Equal("2024-04-25T00:00:00Z", inline.GetProperty("as_of").GetString());
        Assert.Equal(inline.GetProperty("rows").ToString(), wrapped.GetProperty("rows").ToString());
    }

    [Fact]
    public async Task Invalid_spec_is_400_ProblemDetails_with_typed_errors()
    {
        var (api, slug) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(slug, SpiralRoles.Lead);

        var problem = await ApiAssert.ProblemAsync(
            await client.PostRawAsync("/api/v1/query", """{"metrics": ["spilover_ratio"], "limit": 0}"""), HttpStatusCode.BadRequest);

        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(2, errors.Count);
        var metric = errors.Single(e => e.GetProperty("path").GetString() == "metrics[0]");
        Assert.Equal("spilover_ratio", metric.GetProperty("value").GetString());
        Assert.Contains("spillover_ratio", metric.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()));
        Assert.False(string.IsNullOrEmpty(metric.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKindArray, metric.GetProperty("allowed").ValueKind);
        Assert.Contains(errors, e => e.GetProperty("path").GetString() == "limit");
    }

    private const System.Text.Json.JsonValueKind JsonValueKindArray = System.Text.Json.JsonValueKind.Array;

    [Fact]
    public async Task Malformed_body_or_as_of_is_400_ProblemDetails()
    {
        var (api, slug) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(slug, SpiralRoles.Lead);

        await ApiAssert.ProblemAsync(await client.PostRawAsync("/api/v1/query", """{"metrics": ["""), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await client.PostRawAsync("/api/v1/query", "[1, 2]"), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await client.PostRawAsync("/api/v1/query?as_of=yesterday", Spec), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Query_without_a_token_is_401_and_for_an_unknown_tenant_404()
    {
        var (api, _) = await ApiAsync();
        await using var __ = api;
        using var anonymous = api.CreateClient();
        using var stranger = api.CreateClient("no-such-tenant", SpiralRoles.Admin);

        await ApiAssert.ProblemAsync(await anonymous.PostRawAsync("/api/v1/query", Spec), HttpStatusCode.Unauthorized);
        await ApiAssert.ProblemAsync(await stranger.PostRawAsync("/api/v1/query", Spec), HttpStatusCode.NotFound);
        _ = Ct;
    }
}
