using System.Net;
using Npgsql;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Api;

public sealed class ConversationApiTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Tenant A: ada's conversation of two questions, bob's of one; tenant B: one conversation.</summary>
    private sealed record Seed(TestDatabase Db, string A, string B, Guid AdaConversation, Guid BobConversation, Guid OtherConversation,
        Guid AdaFirstJob, Guid AdaSecondJob, Guid OtherJob);

    private Task<Seed> SeedAsync() => server.OnceAsync(nameof(ConversationApiTests), async () =>
    {
        var db = await server.DatabaseAsync(nameof(ConversationApiTests));
        var (a, b) = (TestData.NewSlug("conv-a"), TestData.NewSlug("conv-b"));
        var tenantA = await TestData.CreateTenantAsync(db, a);
        var tenantB = await TestData.CreateTenantAsync(db, b);
        var seed = new Seed(db, a, b, Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO analytics_jobs (tenant_id, id, user_id, conversation_id, question, status, spec, result, created_at, finished_at) VALUES
              ($1, $4, 'ada', $6, 'spillover last 3 sprints?', 'completed', '{"metrics": ["spillover_ratio"]}',
               '{"as_of": "2024-04-25T00:00:00Z", "columns": [{"name": "spillover_ratio", "kind": "metric"}], "rows": [{"spillover_ratio": 0.2}], "metric_versions": {"spillover_ratio": "1.0.0"}, "cache": "miss", "warnings": []}',
               now() - interval '2 hours', now() - interval '2 hours'),
              ($1, $5, 'ada', $6, 'and by team?', 'failed', NULL, NULL, now() - interval '1 hour', now() - interval '1 hour'),
              ($1, gen_random_uuid(), 'bob', $7, 'velocity?', 'queued', NULL, NULL, now() - interval '3 hours', NULL),
              ($2, $8, 'ada', $3, 'tenant B question', 'completed', NULL, NULL, now(), now())
            """, connection);
        foreach (var value in new object[] { tenantA, tenantB, seed.OtherConversation, seed.AdaFirstJob, seed.AdaSecondJob, seed.AdaConversation, seed.BobConversation, seed.OtherJob })
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await insert.ExecuteNonQueryAsync(Ct);
        return seed;
    });

    [Fact]
    public async Task Conversations_lists_the_callers_own_with_title_and_count()
    {
        var seed = await SeedAsync();
        await using var api = new ApiFactory(seed.Db);
        using var ada = api.CreateClient(seed.A, SpiralRoles.Lead, "ada");

        var list = await ApiAssert.OkAsync(await ada.GetAsync("/api/v1/conversations", Ct));

        var conversation = Assert.Single(list.EnumerateArray());
        Assert.Equal(seed.AdaConversation, conversation.GetProperty("id").GetGuid());
        Assert.Equal("spillover last 3 sprints?", conversation.GetProperty("title").GetString());
        Assert.Equal(2, conversation.GetProperty("message_count").GetInt32());
        Assert.True(conversation.GetProperty("last_asked_at").GetDateTimeOffset() > conversation.GetProperty("started_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Admin_lists_the_whole_tenant_and_others_get_403_for_it()
    {
        var seed = await SeedAsync();
        await using var api = new ApiFactory(seed.Db);
        using var admin = api.CreateClient(seed.A, SpiralRoles.Admin, "root");
        using var lead = api.CreateClient(seed.A, SpiralRoles.Lead, "ada");

        var all = await ApiAssert.OkAsync(await admin.GetAsync("/api/v1/conversations?scope=tenant", Ct));

        Assert.Equal([seed.AdaConversation, seed.BobConversation], all.EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
        await ApiAssert.ProblemAsync(await lead.GetAsync("/api/v1/conversations?scope=tenant", Ct), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await lead.GetAsync("/api/v1/conversations?scope=galaxy", Ct), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await api.CreateClient().GetAsync("/api/v1/conversations", Ct), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Messages_are_the_jobs_in_order_with_a_result_summary()
    {
        var seed = await SeedAsync();
        await using var api = new ApiFactory(seed.Db);
        using var ada = api.CreateClient(seed.A, SpiralRoles.Viewer, "ada");

        var messages = (await ApiAssert.OkAsync(await ada.GetAsync($"/api/v1/conversations/{seed.AdaConversation}/messages", Ct))).EnumerateArray().ToList();

        Assert.Equal([seed.AdaFirstJob, seed.AdaSecondJob], messages.Select(m => m.GetProperty("job_id").GetGuid()));
        Assert.Equal("completed", messages[0].GetProperty("status").GetString());
        Assert.Equal("spillover_ratio", messages[0].GetProperty("spec").GetProperty("metrics")[0].GetString());
        Assert.Equal(1, messages[0].GetProperty("summary").GetProperty("row_count").GetInt32());
        Assert.Equal("1.0.0", messages[0].GetProperty("summary").GetProperty("metric_versions").GetProperty("spillover_ratio").GetString());
        Assert.Equal("failed", messages[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Another_tenants_or_users_conversation_is_404()
    {
        var seed = await SeedAsync();
        await using var api = new ApiFactory(seed.Db);
        using var ada = api.CreateClient(seed.A, SpiralRoles.Lead, "ada");
        using var bob = api.CreateClient(seed.A, SpiralRoles.Lead, "bob");
        using var adminOfB = api.CreateClient(seed.B, SpiralRoles.Admin, "ada");

        await ApiAssert.ProblemAsync(await ada.GetAsync($"/api/v1/conversations/{seed.OtherConversation}/messages", Ct), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await adminOfB.GetAsync($"/api/v1/conversations/{seed.AdaConversation}/messages", Ct), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await bob.GetAsync($"/api/v1/conversations/{seed.AdaConversation}/messages", Ct), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await ada.GetAsync($"/api/v1/conversations/{Guid.NewGuid()}/messages", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Feedback_is_stored_with_the_job_and_a_second_rating_replaces_the_first()
    {
        var seed = await SeedAsync();
        await using var api = new ApiFactory(seed.Db);
        using var ada = api.CreateClient(seed.A, SpiralRoles.Viewer, "ada-feedback");

        var first = await ApiAssert.OkAsync(await ada.PostJsonAsync($"/api/v1/jobs/{seed.AdaFirstJob}/feedback", new { rating = "up" }));
        var second = await ApiAssert.OkAsync(await ada.PostJsonAsync($"/api/v1/jobs/{seed.AdaFirstJob}/feedback", new { rating = "down", comment = "wrong team" }));

        Assert.Equal("up", first.GetProperty("rating").GetString());
        Assert.Equal(first.GetProperty("id").GetGuid(), second.GetProperty("id").GetGuid());
        await using var connection = new NpgsqlConnection(seed.Db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var read = new NpgsqlCommand("SELECT rating || ':' || comment FROM analytics_feedback WHERE job_id = $1 AND user_id = 'ada-feedback'", connection);
        read.Parameters.Add(new NpgsqlParameter { Value = seed.AdaFirstJob });
        Assert.Equal("down:wrong team", await read.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task Feedback_on_another_tenants_job_is_404_and_a_bad_rating_400()
    {
        var seed = await SeedAsync();
        await using var api = new ApiFactory(seed.Db);
        using var ada = api.CreateClient(seed.A, SpiralRoles.Lead, "ada");

        await ApiAssert.ProblemAsync(await ada.PostJsonAsync($"/api/v1/jobs/{seed.OtherJob}/feedback", new { rating = "up" }), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await ada.PostJsonAsync($"/api/v1/jobs/{Guid.NewGuid()}/feedback", new { rating = "up" }), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await ada.PostJsonAsync($"/api/v1/jobs/{seed.AdaFirstJob}/feedback", new { rating = "meh" }), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await ada.PostJsonAsync($"/api/v1/jobs/{seed.AdaFirstJob}/feedback", new { comment = "no rating" }), HttpStatusCode.BadRequest);
        await ApiAssert.ProblemAsync(await api.CreateClient().PostJsonAsync($"/api/v1/jobs/{seed.AdaFirstJob}/feedback", new { rating = "up" }), HttpStatusCode.Unauthorized);
    }
}
