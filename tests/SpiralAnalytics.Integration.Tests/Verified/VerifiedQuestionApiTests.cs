using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Translation;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Ask;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Verified;

/// <summary>
/// Verified questions over HTTP: a thumbs-up proposes, an admin verifies, the same question is then answered as
/// verified (without the translator), and removing it ends that. The API runs jobs in process (no Hangfire), with the
/// test translator ("spec: {json}" is that spec).
/// </summary>
public sealed class VerifiedQuestionApiTests(PostgresServer server)
{
    private const string Spec = """{"metrics":["completed_issues"],"group_by":["team"],"time":{"type":"last_sprints","n":4}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static WebApplicationFactory<Program> Api(TestDatabase db, TestTranslator translator) =>
        new ApiFactory(db, new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "" })
            .WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IQuestionTranslator>(translator)));

    private static HttpClient Client(WebApplicationFactory<Program> api, string tenant, string role, string user)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            api.Services.GetRequiredService<TokenIssuer>().Create(tenant, role, user));
        return client;
    }

    [Fact]
    public async Task A_thumbs_up_proposes_an_admin_verifies_and_the_question_is_then_answered_as_verified_until_removed()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(VerifiedQuestionApiTests));
        var translator = new TestTranslator();
        await using var api = Api(seeded.Db, translator);
        using var lead = Client(api, seeded.Slug, SpiralRoles.Lead, "lena");
        using var admin = Client(api, seeded.Slug, SpiralRoles.Admin, "ada");
        using var otherAdmin = Client(api, seeded.Other, SpiralRoles.Admin, "oscar");
        var question = AskFixture.Question(Spec);

        // answered by the translator; the lead's thumbs-up proposes the pair
        var first = await AskApiTests.FinalAsync(lead, question);
        Assert.Null(first["result"]!["verified"]);
        Assert.False(string.IsNullOrEmpty((string?)first["result"]!["understood"]));
        Assert.False(string.IsNullOrEmpty((string?)first["result"]!["summary"]));
        var jobId = (string)first["job_id"]!;
        var rated = await SendAsync(lead, HttpMethod.Post, $"/api/v1/jobs/{jobId}/feedback", new JsonObject { ["rating"] = "up" }, HttpStatusCode.OK);
        Assert.True((bool)rated["proposed_verified"]!);
        var proposed = (await ListAsync(lead, "proposed")).Single(p => (string)p["question"]! == question);
        Assert.Equal(jobId, (string)proposed["source_job_id"]!);
        Assert.Equal("lena", (string)proposed["proposed_by"]!);

        // a proposal answers nothing: the translator still does
        var requests = translator.Requests.Count;
        Assert.Null((await AskApiTests.FinalAsync(lead, question))["result"]!["verified"]);
        Assert.Equal(requests + 1, translator.Requests.Count);

        // only an admin verifies; another tenant's admin cannot even see it
        var id = (string)proposed["id"]!;
        await SendAsync(lead, HttpMethod.Post, $"/api/v1/admin/verified-questions/{id}/verify", null, HttpStatusCode.Forbidden);
        await SendAsync(otherAdmin, HttpMethod.Post, $"/api/v1/admin/verified-questions/{id}/verify", null, HttpStatusCode.NotFound);
        var verified = await SendAsync(admin, HttpMethod.Post, $"/api/v1/admin/verified-questions/{id}/verify", null, HttpStatusCode.OK);
        Assert.Equal("verified", (string)verified["state"]!);
        Assert.Equal("ada", (string)verified["verified_by"]!);

        // now the same question is answered with the verified spec, without the translator
        requests = translator.Requests.Count;
        var answered = await AskApiTests.FinalAsync(lead, question);
        Assert.Equal(requests, translator.Requests.Count);
        var marker = answered["result"]!["verified"]!;
        Assert.Equal(id, (string)marker["id"]!);
        Assert.Equal("exact", (string)marker["match"]!);
        using (var job = await lead.GetAsync($"/api/v1/jobs/{answered["job_id"]}", Ct))
        {
            Assert.Equal("verified", (string)JsonNode.Parse(await job.Content.ReadAsStringAsync(Ct))!["translator"]!);
        }

        Assert.DoesNotContain(await ListAsync(otherAdmin, null), p => (string)p["id"]! == id);
        await SendAsync(otherAdmin, HttpMethod.Delete, $"/api/v1/admin/verified-questions/{id}", null, HttpStatusCode.NotFound);
        await SendAsync(lead, HttpMethod.Delete, $"/api/v1/admin/verified-questions/{id}", null, HttpStatusCode.Forbidden);
        await SendAsync(admin, HttpMethod.Delete, $"/api/v1/admin/verified-questions/{id}", null, HttpStatusCode.NoContent);
        Assert.DoesNotContain(await ListAsync(admin, null), p => (string)p["id"]! == id);
        Assert.Null((await AskApiTests.FinalAsync(lead, question))["result"]!["verified"]);
    }

    [Fact]
    public async Task An_admin_verifies_a_question_with_a_spec_or_a_job_and_bad_input_is_a_400_naming_the_field()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(VerifiedQuestionApiTests));
        await using var api = Api(seeded.Db, new TestTranslator());
        using var admin = Client(api, seeded.Slug, SpiralRoles.Admin, "ada");
        using var viewer = Client(api, seeded.Slug, SpiralRoles.Viewer, "vic");
        const string spec = """{"metrics":["bug_count"],"group_by":["team"],"time":{"type":"all"}}""";
        var question = AskFixture.Question(spec);
        var body = new JsonObject { ["question"] = question, ["spec"] = JsonNode.Parse(spec) };

        await SendAsync(viewer, HttpMethod.Post, "/api/v1/admin/verified-questions", body.DeepClone(), HttpStatusCode.Forbidden);
        var created = await SendAsync(admin, HttpMethod.Post, "/api/v1/admin/verified-questions", body.DeepClone(), HttpStatusCode.Created);
        Assert.Equal("added", (string)created["action"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(spec), created["pair"]!["translator_spec"]), "the translator's reading is recorded with the pair");
        Assert.Equal("verified", (string)created["pair"]!["state"]!);
        Assert.NotNull(created["pair"]!["metric_versions"]!["bug_count"]);
        // embedded by the embedder the service is configured with (the one its questions are matched with)
        Assert.Equal(CatalogEmbeddings.IdentityOf(api.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()),
            (string)created["pair"]!["embedder_id"]!);
        var again = await SendAsync(admin, HttpMethod.Post, "/api/v1/admin/verified-questions", body.DeepClone(), HttpStatusCode.OK);
        Assert.Equal("replaced", (string)again["action"]!);
        Assert.Equal((string)created["pair"]!["id"]!, (string)again["pair"]!["id"]!);
        Assert.Contains(await ListAsync(viewer, "verified"), p => (string)p["question"]! == question);
        await SendAsync(viewer, HttpMethod.Post, "/api/v1/admin/verified-questions/check", null, HttpStatusCode.Forbidden);
        var report = await SendAsync(admin, HttpMethod.Post, "/api/v1/admin/verified-questions/check?as_of=2024-04-25", null, HttpStatusCode.OK);
        Assert.Equal("ok", (string)report["items"]!.AsArray().Single(i => (string)i!["question"]! == question)!["status"]!);

        var noQuestion = await SendAsync(admin, HttpMethod.Post, "/api/v1/admin/verified-questions", new JsonObject { ["spec"] = body["spec"]!.DeepClone() }, HttpStatusCode.BadRequest);
        Assert.StartsWith("question is required", (string)noQuestion["detail"]!, StringComparison.Ordinal);
        var noSpec = await SendAsync(admin, HttpMethod.Post, "/api/v1/admin/verified-questions", new JsonObject { ["question"] = AskFixture.Question(spec) }, HttpStatusCode.BadRequest);
        Assert.StartsWith("spec is required", (string)noSpec["detail"]!, StringComparison.Ordinal);
        var badSpec = await SendAsync(admin, HttpMethod.Post, "/api/v1/admin/verified-questions",
            new JsonObject { ["question"] = AskFixture.Question("""{"metrics":["velocity"]}"""), ["spec"] = JsonNode.Parse("""{"metrics":["velocityy"]}""") }, HttpStatusCode.BadRequest);
        Assert.Equal("metrics[0]", (string)badSpec["errors"]![0]!["path"]!);
        var badState = await SendAsync(viewer, HttpMethod.Get, "/api/v1/verified-questions?state=maybe", null, HttpStatusCode.BadRequest);
        Assert.Contains("state 'maybe'", (string)badState["detail"]!, StringComparison.Ordinal);
        await SendAsync(admin, HttpMethod.Post, "/api/v1/admin/verified-questions", new JsonObject { ["job_id"] = Guid.NewGuid().ToString() }, HttpStatusCode.NotFound);
        using var anonymous = api.CreateClient();
        using var unauthorized = await anonymous.GetAsync("/api/v1/verified-questions", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    private static async Task<List<JsonObject>> ListAsync(HttpClient client, string? state)
    {
        using var response = await client.GetAsync("/api/v1/verified-questions" + (state is null ? "" : $"?state={state}"), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsArray().Select(n => n!.AsObject()).ToList();
    }

    private static async Task<JsonObject> SendAsync(HttpClient client, HttpMethod method, string url, JsonNode? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{method} {url}: {(int)response.StatusCode} {text}");
        return text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonNode.Parse(text)!.AsObject() : new JsonObject();
    }
}
