using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Hardening;

/// <summary>The reproductions of issue #13, parts 3, 4, 5 and 7, against the API: each was a 500 (or a 200) before.</summary>
public sealed class HostileRequestTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(ApiFactory Api, QueryFixture.Seeded Seeded)> ApiAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(HostileRequestTests));
        return (new ApiFactory(seeded.Db, settings), seeded);
    }

    private static Task<HttpResponseMessage> QueryAsync(HttpClient client, string body, string query = "?as_of=2024-04-25", string contentType = "application/json") =>
        client.PostAsync("/api/v1/query" + query, new ByteArrayContent(Encoding.UTF8.GetBytes(body)) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType) } }, Ct);

    private static async Task<JsonElement> BadRequestAsync(HttpResponseMessage response) => await ApiAssert.ProblemAsync(response, HttpStatusCode.BadRequest);

    private static IEnumerable<string> Paths(JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) ? errors.EnumerateArray().Select(e => e.GetProperty("path").GetString()!) : [];

    [Theory]
    [InlineData("text/html")]
    [InlineData("text/event-stream")]
    [InlineData("application/xml")]
    public async Task A_401_or_403_keeps_its_status_and_ProblemDetails_whatever_the_client_accepts(string accept)
    {
        var (api, seeded) = await ApiAsync();
        await using var _ = api;
        using var anonymous = api.CreateClient();
        anonymous.DefaultRequestHeaders.Accept.ParseAdd(accept);
        using var lead = api.CreateClient(seeded.Slug, SpiralRoles.Lead);
        lead.DefaultRequestHeaders.Accept.ParseAdd(accept);
        var expired = api.Tokens.Create(seeded.Slug, SpiralRoles.Lead, now: DateTimeOffset.UtcNow.AddDays(-2), lifetime: TimeSpan.FromHours(1));

        await ApiAssert.ProblemAsync(await anonymous.GetAsync("/api/v1/me", Ct), HttpStatusCode.Unauthorized);
        var sse = await ApiAssert.ProblemAsync(await anonymous.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}/events?access_token={expired}", Ct), HttpStatusCode.Unauthorized);
        Assert.Contains("expired", sse.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ApiAssert.ProblemAsync(await lead.GetAsync("/api/v1/conversations?scope=tenant", Ct), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await lead.PostAsync("/api/v1/admin/metrics", new StringContent("name: x", Encoding.UTF8, "application/yaml"), Ct), HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("""{"metrics":["issues_created"],"time":{"type":"between","from":"1000-01-01","to":"2024-01-31"},"compare":{"type":"previous_period"}}""", "time.from")]
    [InlineData("""{"metrics":["issues_created"],"time":{"type":"between","from":"0001-01-01","to":"0001-01-05"}}""", "time.from")]
    [InlineData("""{"metrics":["velocity"],"metrics":["bug_count"]}""", "metrics")]
    [InlineData("""{"metrics":["velocity"],"Metrics":["bug_count"]}""", "Metrics")]
    [InlineData("""{"metrics":["\ud800"]}""", "metrics[0]")]
    [InlineData("""{"metrics":["velocity"],"filters":[{"dimension":"team","op":"eq","values":["At\u0000las"]}]}""", "filters[0].values[0]")]
    [InlineData("""{"spec":{"metrics":["velocity"],"group_by":["team","Team"],"group_by":["sprint"]}}""", "group_by")]
    public async Task Specs_that_were_500s_are_400s_naming_the_field(string spec, string path)
    {
        var (api, seeded) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(seeded.Slug, SpiralRoles.Viewer);

        var problem = await BadRequestAsync(await QueryAsync(client, spec));

        Assert.Contains(path, Paths(problem));
    }

    [Theory]
    [InlineData("""{"type":"period","unit":"month","offset":-1}""")]
    [InlineData("""{"type":"rolling","unit":"month","n":12}""")]
    public async Task As_of_at_the_start_of_the_calendar_is_a_400_naming_as_of(string time)
    {
        var (api, seeded) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(seeded.Slug, SpiralRoles.Viewer);

        var problem = await BadRequestAsync(await QueryAsync(client, $$"""{"metrics":["issues_created"],"time":{{time}}}""", "?as_of=0001-01-01"));

        Assert.StartsWith("as_of '0001-01-01'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_charset_that_is_not_UTF8_is_a_400_naming_the_Content_Type()
    {
        var (api, seeded) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(seeded.Slug, SpiralRoles.Viewer);

        foreach (var contentType in new[] { "application/json; charset=nope", "application/json; charset=utf-16" })
        {
            var problem = await BadRequestAsync(await QueryAsync(client, """{"metrics":["velocity"]}""", contentType: contentType));
            Assert.Contains("Content-Type charset", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var ask = await BadRequestAsync(await client.PostAsync("/api/v1/ask",
                new ByteArrayContent("""{"question":"velocity"}"""u8.ToArray()) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType) } }, Ct));
            Assert.Contains("Content-Type charset", ask.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{\"question\":\"velocity\\u0000 by team\"}", "question")]
    [InlineData("{\"question\":\"velocity \\ud800 by team\"}", "question")]
    [InlineData("{\"question\":\"velocity\",\"question\":\"bugs\"}", "question")]
    [InlineData("{\"question\":\"velocity\",\"Question\":\"bugs\"}", "question")]
    public async Task Hostile_questions_are_400s_naming_the_question(string body, string field)
    {
        var (api, seeded) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(seeded.Slug, SpiralRoles.Lead);

        var problem = await BadRequestAsync(await client.PostAsync("/api/v1/ask", new StringContent(body, Encoding.UTF8, "application/json"), Ct));

        Assert.Contains(field, problem.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Exception", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caps_answer_fast_with_one_short_error()
    {
        var (api, seeded) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(seeded.Slug, SpiralRoles.Viewer);
        var clock = Stopwatch.StartNew();

        // 70,000 filters (3.5 MB) and a 10 MB name: over the body limit, refused before anything parses them
        var filters = string.Join(",", Enumerable.Repeat("""{"dimension":"team","op":"eq","values":["Atlas"]}""", 70_000));
        await ApiAssert.ProblemAsync(await QueryAsync(client, $$"""{"metrics":["velocity"],"filters":[{{filters}}]}"""), HttpStatusCode.RequestEntityTooLarge);
        await ApiAssert.ProblemAsync(await QueryAsync(client, $$"""{"metrics":["{{new string('x', 10_000_000)}}"]}"""), HttpStatusCode.RequestEntityTooLarge);

        // inside the body limit: 1,000 having entries, a 200,000-character name, 20,000 duplicate names
        var having = string.Join(",", Enumerable.Repeat("""{"metric":"velocity","op":"gt","value":1}""", 1000));
        Assert.Equal(["having"], Paths(await BadRequestAsync(await QueryAsync(client, $$"""{"metrics":["velocity"],"having":[{{having}}]}"""))));
        var longName = await QueryAsync(client, $$"""{"metrics":["{{new string('x', 200_000)}}"]}""");
        var longNameText = await longName.Content.ReadAsStringAsync(Ct);
        Assert.Equal(["metrics[0]"], Paths(await BadRequestAsync(longName)));
        Assert.True(longNameText.Length < 2000, $"{longNameText.Length} characters answered");
        var duplicates = string.Join(",", Enumerable.Repeat("\"velocity\"", 20_000));
        Assert.Equal(["metrics"], Paths(await BadRequestAsync(await QueryAsync(client, $$"""{"metrics":[{{duplicates}}]}"""))));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task A_chunked_body_cannot_pass_the_size_limit_of_any_endpoint()
    {
        var (api, seeded) = await ApiAsync();
        await using var _ = api;
        using var admin = api.CreateClient(seeded.Slug, SpiralRoles.Admin);

        // the reproduction: a 5 MB YAML with Transfer-Encoding: chunked was read in full by the 64 KiB admin endpoint
        var yaml = "name: huge\ndescription: |\n" + string.Concat(Enumerable.Repeat("  padding padding padding padding padding padding padding\n", 90_000));
        foreach (var (url, body, type) in new[]
        {
            ("/api/v1/admin/metrics", yaml, "application/yaml"),
            ("/api/v1/query", "{\"metrics\":[\"velocity\"],\"x\":\"" + new string('y', 400_000) + "\"}", "application/json"),
            ("/api/v1/ask", "{\"question\":\"" + new string('y', 40_000) + "\"}", "application/json"),
            ($"/api/v1/jobs/{Guid.NewGuid()}/feedback", "{\"rating\":\"up\",\"comment\":\"" + new string('y', 40_000) + "\"}", "application/json"),
        })
        {
            var chunked = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(body)));
            chunked.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            Assert.Null(chunked.Headers.ContentLength);
            var problem = await ApiAssert.ProblemAsync(await admin.PostAsync(url, chunked, Ct), HttpStatusCode.RequestEntityTooLarge);
            Assert.Contains("larger than this endpoint accepts", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("bugs created since 0001-01-01", "time")]
    [InlineData("teams with spillover over -Infinity", "having")]
    [InlineData("velocity between 1000-01-01 and 2024-01-01 compared to the previous period", "time")]
    public async Task Questions_that_failed_with_exception_text_end_as_an_answer_naming_the_field(string question, string field)
    {
        var (api, seeded) = await ApiAsync();
        await using var _ = api;
        using var client = api.CreateClient(seeded.Slug, SpiralRoles.Lead);

        var accepted = await ApiAssert.OkAsync(await client.PostJsonAsync("/api/v1/ask", new { question, as_of = "2024-04-25" }), HttpStatusCode.Accepted);
        var events = await Ask.Sse.AllAsync(client, accepted.GetProperty("events_url").GetString()!, timeout: TimeSpan.FromSeconds(60));

        var final = events[^1];
        TestContext.Current.TestOutputHelper?.WriteLine($"{question} -> {final.Type}: {final.Data}");
        Assert.Contains(final.Type, new[] { "failed", "clarification", "completed" });
        Assert.DoesNotContain("Exception", final.Data, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", final.Data, StringComparison.Ordinal);
        if (final.Type == "failed")
        {
            Assert.Contains(field, final.Data, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// What a translator (the model, or a future rule) may hand on for such questions: a window before year 1 once shifted
    /// for compare, a threshold of minus infinity. Before, the first crashed in time resolution and the second while the
    /// spec was written for the audit log; both ended as "internal error (ArgumentOutOfRangeException)"-style failures.
    /// </summary>
    [Theory]
    [InlineData("year one", "time.from")]
    [InlineData("minus infinity", "having[0].value")]
    public async Task A_translated_spec_past_the_limits_fails_naming_the_field_not_an_exception(string question, string field)
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(HostileRequestTests));
        await using var api = new ApiFactory(seeded.Db);
        await using var withTranslator = api.WithWebHostBuilder(b => b.ConfigureServices(s =>
            Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<SpiralAnalytics.Infrastructure.Translation.IQuestionTranslator>(s, new FixedTranslator())));
        using var client = withTranslator.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Token(seeded.Slug, SpiralRoles.Lead));

        var accepted = await ApiAssert.OkAsync(await client.PostJsonAsync("/api/v1/ask", new { question, as_of = "2024-04-25" }), HttpStatusCode.Accepted);
        var events = await Ask.Sse.AllAsync(client, accepted.GetProperty("events_url").GetString()!, timeout: TimeSpan.FromSeconds(60));

        Assert.Equal("failed", events[^1].Type);
        Assert.Contains(field, events[^1].Data, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", events[^1].Data, StringComparison.Ordinal);
    }

    private sealed class FixedTranslator : SpiralAnalytics.Infrastructure.Translation.IQuestionTranslator
    {
        public Task<SpiralAnalytics.Core.Translation.TranslationOutcome> TranslateAsync(string tenant, SpiralAnalytics.Core.Translation.TranslationRequest request, CancellationToken ct) =>
            Task.FromResult(SpiralAnalytics.Core.Translation.TranslationOutcome.Of(request.Question switch
            {
                "year one" => new AnalyticsSpec
                {
                    Metrics = ["bug_count"], Time = new BetweenTime("0001-01-01", "2024-04-25"), Compare = new CompareSpec(CompareSpec.PreviousPeriod),
                },
                _ => new AnalyticsSpec
                {
                    Metrics = ["spillover_ratio"], GroupBy = ["team"], Having = [new HavingClause("spillover_ratio", "gt", double.NegativeInfinity)],
                },
            }, "fixed"));
    }

    /// <summary>A body of unknown length, so HttpClient sends it chunked (no Content-Length).</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
