using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Ask;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Integration.Tests.Ask;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Speed;

/// <summary>
/// Issue 16, item 1: a repeated question is recognised before translation (the translator is not called), the tenant's
/// context is read once per stamp, a refresh, an import or a catalog change makes the next ask translate again and
/// answer afresh, and no tenant can read another's cache entry.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class QuestionCacheTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_repeated_question_is_answered_at_submission_without_translating_or_queueing()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(QuestionCacheTests));
        var translator = new TestTranslator();
        await using var api = AskFixture.Api(seeded.Db, translator);
        using var client = AskFixture.Client(api, seeded.Slug);
        var question = AskFixture.Question("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"limit":11}""");

        var first = await AskApiTests.FinalAsync(client, question);
        Assert.Equal("completed", (string)first["status"]!);
        Assert.Single(translator.Requests);

        // the same question typed differently (case, spacing, trailing punctuation) is the same question
        var accepted = await AskFixture.AskAsync(client, "  " + question.ToUpperInvariant().Replace("SPEC:", "spec:", StringComparison.Ordinal) + " ");
        Assert.Equal("completed", (string)accepted["status"]!);
        var events = await Sse.AllAsync(client, (string)accepted["events_url"]!);
        Assert.Equal(["queued", "completed"], events.Select(e => e.Type));
        var repeat = events[^1].Json;
        Assert.Single(translator.Requests); // not translated again
        Assert.Equal("hit", (string)repeat["result"]!["cache"]!);
        AskApiTests.AssertSameAnswer(first["result"]!.AsObject(), repeat["result"]!.AsObject());

        using var job = await client.GetAsync($"/api/v1/jobs/{AskFixture.JobId(accepted)}", Ct);
        var view = JsonNode.Parse(await job.Content.ReadAsStringAsync(Ct))!.AsObject();
        Assert.Equal("completed", (string)view["status"]!);
        Assert.True((bool)view["cache_hit"]!);
        Assert.Equal("test", (string)view["translator"]!);
        Assert.Equal((string)first["result"]!["sql"]!, (string)view["sql"]!);
        Assert.Equal("a test translation", (string)view["notes"]![0]!);

        // another as_of is another question (relative windows resolve differently): translated
        var other = await AskAsync(client, question, "2024-04-26T00:00:00Z");
        Assert.Equal("completed", (string)other["status"]!);
        Assert.Equal(2, translator.Requests.Count);
    }

    [Fact]
    public async Task The_context_is_read_once_and_again_only_after_an_import_a_catalog_change_or_a_refresh()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(QuestionCacheTests));
        var translator = new TestTranslator();
        await using var api = AskFixture.Api(seeded.Db, translator);
        using var client = AskFixture.Client(api, seeded.Slug);
        var contexts = api.Services.GetRequiredService<TenantContextCache>();
        var question = AskFixture.Question("""{"metrics":["completed_issues"],"group_by":["team"],"time":{"type":"last_sprints","n":2},"limit":13}""");

        var context = await contexts.GetAsync(seeded.Slug, Ct);
        var loads = contexts.Loads;
        await AskAsync(client, question, "2024-04-20T00:00:00Z");
        await AskAsync(client, question, "2024-04-21T00:00:00Z");
        Assert.Equal(loads, contexts.Loads); // two cold asks, no reload: catalog and members came from memory
        // the catalog and the members are the loaded ones; only the stamp and freshness are read per use
        var again = await contexts.GetAsync(seeded.Slug, Ct);
        Assert.Same(context.Catalog, again.Catalog);
        Assert.Same(context.Values, again.Values);
        Assert.Equal(context.Freshness, again.Freshness);
        var translated = translator.Requests.Count;

        // an import (a write acting for the tenant) → a new context with the new member, and the repeat translates again
        await AddTeamAsync(seeded, "NEW", "Newcomers");

        var imported = await contexts.GetAsync(seeded.Slug, Ct);
        Assert.NotEqual(context.Stamp, imported.Stamp);
        Assert.Contains(imported.Values.Members("team"), m => m.Value == "Newcomers");
        Assert.DoesNotContain(context.Values.Members("team"), m => m.Value == "Newcomers");
        await AskAsync(client, question, "2024-04-21T00:00:00Z");
        Assert.Equal(translated + 1, translator.Requests.Count);

        // a change to the shipped catalog (owner role, no tenant: the global revision)
        await OwnerAsync(seeded.Db, "UPDATE metrics SET updated_at = now() WHERE name = 'completed_issues'");
        var changed = await contexts.GetAsync(seeded.Slug, Ct);
        Assert.True(changed.Stamp.CatalogRevision > imported.Stamp.CatalogRevision);
        await AskAsync(client, question, "2024-04-21T00:00:00Z");
        Assert.Equal(translated + 2, translator.Requests.Count);

        // a change to the tenant's own catalog layer (runtime role, tenant set)
        await using (var session = await TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, seeded.TenantId, Ct))
        {
            await using var touch = session.Command("UPDATE tenant_metrics SET updated_at = now()");
            await touch.ExecuteNonQueryAsync(Ct);
            await session.CommitAsync(Ct);
        }

        Assert.True((await contexts.GetAsync(seeded.Slug, Ct)).Stamp.TenantRevision > changed.Stamp.TenantRevision);
        await AskAsync(client, question, "2024-04-21T00:00:00Z");
        Assert.Equal(translated + 3, translator.Requests.Count);
        await AskAsync(client, question, "2024-04-21T00:00:00Z");
        Assert.Equal(translated + 3, translator.Requests.Count); // and now remembered again
    }

    [Fact]
    public async Task After_the_data_changes_and_a_refresh_the_repeat_is_answered_afresh()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(QuestionCacheTests) + "Fresh");
        var translator = new TestTranslator();
        await using var api = AskFixture.Api(seeded.Db, translator);
        using var client = AskFixture.Client(api, seeded.Slug);
        var spec = """{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""";
        var question = AskFixture.Question(spec);

        var before = await AskAsync(client, question, AskFixture.AsOfText);
        var repeat = await AskAsync(client, question, AskFixture.AsOfText);
        Assert.Equal("hit", (string)repeat["result"]!["cache"]!);
        var translated = translator.Requests.Count;

        // Atlas's issues are gone (an import that pruned them), then a refresh
        await OwnerAsync(seeded.Db, $"DELETE FROM issues WHERE tenant_id = '{seeded.TenantId}' AND key LIKE 'ATL-%'");
        using (var host = Query.QueryFixture.Host(seeded.Db))
        {
            await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
        }

        var after = await AskAsync(client, question, AskFixture.AsOfText);
        Assert.Equal(translated + 1, translator.Requests.Count);
        Assert.Equal("miss", (string)after["result"]!["cache"]!);
        Assert.False(JsonNode.DeepEquals(before["result"]!["rows"], after["result"]!["rows"]), "the answer after the refresh must be the new data's");
        AskApiTests.AssertSameAnswer(await AskApiTests.SpiralQueryAsync(seeded, spec), after["result"]!.AsObject());
    }

    [Fact]
    public async Task One_tenant_never_reads_another_tenants_cache_entry_even_under_the_same_key()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(QuestionCacheTests));
        var translator = new TestTranslator();
        await using var api = AskFixture.Api(seeded.Db, translator);
        var cache = api.Services.GetRequiredService<AnswerCache>();
        var other = await api.Services.GetRequiredService<Infrastructure.Tenants.TenantDirectory>().ResolveAsync(seeded.Other, Ct);
        var key = "q:" + Guid.NewGuid().ToString("N");

        await cache.SetTextAsync(seeded.TenantId, key, 1, """{"secret": "of the first tenant"}""", Ct);
        Assert.Contains("first tenant", (await cache.GetTextAsync(seeded.TenantId, key, Ct)).Payload, StringComparison.Ordinal);
        Assert.Null((await cache.GetTextAsync(other, key, Ct)).Payload);

        // the table tier alone (as with Redis down) holds the same line: RLS
        await using var tableOnly = AskFixture.Api(seeded.Db, translator, redis: "");
        var tableCache = tableOnly.Services.GetRequiredService<AnswerCache>();
        Assert.Equal("table", (await tableCache.GetTextAsync(seeded.TenantId, key, Ct)).Tier);
        Assert.NotNull((await tableCache.GetTextAsync(seeded.TenantId, key, Ct)).Payload);
        Assert.Null((await tableCache.GetTextAsync(other, key, Ct)).Payload);

        // end to end: the other tenant asking the very same question at the same instant gets its own answer
        var question = AskFixture.Question("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":5},"limit":17}""");
        using var first = AskFixture.Client(api, seeded.Slug);
        using var second = AskFixture.Client(api, seeded.Other);
        var mine = await AskAsync(first, question, AskFixture.AsOfText);
        Assert.Equal("hit", (string)(await AskAsync(first, question, AskFixture.AsOfText))["result"]!["cache"]!);
        var count = translator.Requests.Count;
        var theirs = await AskAsync(second, question, AskFixture.AsOfText);
        Assert.Equal(count + 1, translator.Requests.Count);
        Assert.Equal("miss", (string)theirs["result"]!["cache"]!);
        Assert.False(JsonNode.DeepEquals(mine["result"]!["rows"], theirs["result"]!["rows"]));
    }

    [Fact]
    public async Task A_repeat_found_under_a_context_that_has_moved_since_is_not_recorded_but_answered_under_the_new_one()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(QuestionCacheTests) + "Moved");
        var translator = new TestTranslator();
        await using var api = AskFixture.Api(seeded.Db, translator);
        using var client = AskFixture.Client(api, seeded.Slug);
        var contexts = api.Services.GetRequiredService<TenantContextCache>();
        var question = AskFixture.Question("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":4},"limit":19}""");

        await AskAsync(client, question, AskFixture.AsOfText);
        Assert.Equal("hit", (string)(await AskAsync(client, question, AskFixture.AsOfText))["result"]!["cache"]!);
        var recent = contexts.Recent(seeded.TenantId)!;
        var jobs = await JobCountAsync(seeded);

        // only the freshness moves (a load recorded, no member changed): the stamp, so the key, is the same; the answer
        // the recent context finds must not be recorded with the freshness it had, but with the one read now
        await using (var session = await TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, seeded.TenantId, Ct))
        {
            await DataFreshness.RecordImportAsync(session, "csv", 1, Ct);
            await session.CommitAsync(Ct);
        }

        var jobStore = api.Services.GetRequiredService<JobStore>();
        var update = new StageUpdate("{}");
        Assert.Null(await jobStore.CreateAnsweredAsync(seeded.TenantId, null, Guid.NewGuid(), "q", AskFixture.AsOf, update, recent.Seen, Ct));
        Assert.Equal(jobs, await JobCountAsync(seeded)); // refused: nothing written

        var repeat = await AskAsync(client, question, AskFixture.AsOfText);
        Assert.Equal("hit", (string)repeat["result"]!["cache"]!);
        var imported = (await contexts.GetAsync(seeded.Slug, Ct)).Freshness.ImportedAt;
        Assert.NotEqual(recent.Freshness.ImportedAt, imported);
        Assert.Equal(imported, (string?)repeat["result"]!["freshness"]!["imported_at"]);
        Assert.Equal(jobs + 1, await JobCountAsync(seeded));

        // the context moves (a member added): the remembered answer is under the old key, so the question is translated again
        var translated = translator.Requests.Count;
        await AddTeamAsync(seeded, "MOV", "Movers");

        var afresh = await AskAsync(client, question, AskFixture.AsOfText);
        Assert.Equal(translated + 1, translator.Requests.Count);
        AskApiTests.AssertSameAnswer(repeat["result"]!.AsObject(), afresh["result"]!.AsObject()); // the views did not change (no refresh)
        Assert.Equal(jobs + 2, await JobCountAsync(seeded));
    }

    [Fact]
    public async Task An_answer_is_kept_in_memory_in_front_of_Redis_per_tenant_and_not_when_the_memory_tier_is_off()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(QuestionCacheTests));
        var translator = new TestTranslator();
        await using var api = AskFixture.Api(seeded.Db, translator);
        await using var off = AskFixture.Api(seeded.Db, translator, settings: new Dictionary<string, string?> { ["Ask:CacheMemoryEntries"] = "0" });
        var cache = api.Services.GetRequiredService<AnswerCache>();
        var other = await api.Services.GetRequiredService<Infrastructure.Tenants.TenantDirectory>().ResolveAsync(seeded.Other, Ct);
        var key = "q:" + Guid.NewGuid().ToString("N");

        await cache.SetTextAsync(seeded.TenantId, key, 1, """{"kept": true}""", Ct);
        Assert.Equal("memory", (await cache.GetTextAsync(seeded.TenantId, key, Ct)).Tier);
        Assert.Null((await cache.GetTextAsync(other, key, Ct)).Payload);
        var withoutMemory = off.Services.GetRequiredService<AnswerCache>();
        Assert.Equal("redis", (await withoutMemory.GetTextAsync(seeded.TenantId, key, Ct)).Tier);
        Assert.Equal("redis", (await withoutMemory.GetTextAsync(seeded.TenantId, key, Ct)).Tier);

        // Redis lost the entry: this process still has it; a process without the memory tier reads the table
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(RepoPaths.LocalSettings().Redis!))
        {
            await redis.GetDatabase().KeyDeleteAsync(AnswerCache.RedisKey(seeded.TenantId, key));
        }

        Assert.Equal("memory", (await cache.GetTextAsync(seeded.TenantId, key, Ct)).Tier);
        Assert.Equal("table", (await withoutMemory.GetTextAsync(seeded.TenantId, key, Ct)).Tier);
    }

    [Fact]
    public async Task Storing_an_answer_of_a_newer_data_version_prunes_only_the_tenants_own_older_entries()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(QuestionCacheTests) + "Prune");
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator(), redis: "");
        var cache = api.Services.GetRequiredService<AnswerCache>();
        var other = await api.Services.GetRequiredService<Infrastructure.Tenants.TenantDirectory>().ResolveAsync(seeded.Other, Ct);
        string Key() => "q:" + Guid.NewGuid().ToString("N");

        var (mine1, mine2, theirs) = (Key(), Key(), Key());
        await cache.SetTextAsync(seeded.TenantId, mine1, 901, """{"v": 1}""", Ct);
        await cache.SetTextAsync(seeded.TenantId, mine2, 901, """{"v": 1}""", Ct);
        await cache.SetTextAsync(other, theirs, 901, """{"v": 1}""", Ct);
        Assert.Equal(2, await EntriesAsync(seeded.TenantId, 901));

        var newer = Key();
        await cache.SetTextAsync(seeded.TenantId, newer, 902, """{"v": 2}""", Ct);
        Assert.Equal(0, await EntriesAsync(seeded.TenantId, 901)); // this tenant's older entries: gone
        Assert.Equal(1, await EntriesAsync(other, 901)); // the other tenant's: kept (RLS)
        Assert.Equal(1, await EntriesAsync(seeded.TenantId, 902));

        // the same key again (two workers that answered the same question): not an error, one entry
        await cache.SetTextAsync(seeded.TenantId, newer, 902, """{"v": 2}""", Ct);
        Assert.Equal(1, await EntriesAsync(seeded.TenantId, 902));

        async Task<long> EntriesAsync(Guid tenant, long version)
        {
            await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM analytics_cache WHERE tenant_id = $1 AND data_version = $2", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = tenant });
            command.Parameters.Add(new NpgsqlParameter { Value = version });
            return (long)(await command.ExecuteScalarAsync(Ct))!;
        }
    }

    [Fact]
    public void The_question_key_separates_tenants_previous_specs_instants_and_contexts()
    {
        var tenant = Guid.NewGuid();
        var at = new DateTimeOffset(2024, 4, 25, 0, 0, 0, TimeSpan.Zero);
        var stamp = new ContextStamp(3, 1, 7);
        var previous = SpecJson.Parse("""{"metrics":["velocity"]}""").Spec;
        var key = QuestionCache.Key(tenant, "Velocity by team?", null, at, stamp, "t");
        Assert.Equal(key, QuestionCache.Key(tenant, "  velocity   BY team ", null, at, stamp, "t"));
        Assert.NotEqual(key, QuestionCache.Key(Guid.NewGuid(), "Velocity by team?", null, at, stamp, "t"));
        Assert.NotEqual(key, QuestionCache.Key(tenant, "Velocity by team?", previous, at, stamp, "t"));
        Assert.NotEqual(key, QuestionCache.Key(tenant, "Velocity by team?", null, at.AddDays(1), stamp, "t"));
        Assert.NotEqual(key, QuestionCache.Key(tenant, "Velocity by team?", null, at, stamp with { DataVersion = 4 }, "t"));
        Assert.NotEqual(key, QuestionCache.Key(tenant, "Velocity by team?", null, at, stamp with { CatalogRevision = 2 }, "t"));
        Assert.NotEqual(key, QuestionCache.Key(tenant, "Velocity by team?", null, at, stamp with { TenantRevision = 8 }, "t"));
        Assert.NotEqual(key, QuestionCache.Key(tenant, "Velocity by team?", null, at, stamp, "llm"));
    }

    private static async Task<JsonObject> AskAsync(HttpClient client, string question, string asOf)
    {
        var accepted = await AskFixture.AskAsync(client, question, asOf: asOf);
        var events = await Sse.AllAsync(client, (string)accepted["events_url"]!);
        var final = events[^1].Json;
        Assert.True((string)final["status"]! == "completed", final.ToJsonString());
        return final;
    }

    /// <summary>A team added by a write acting for the tenant (as an import would): the tenant's context stamp moves.</summary>
    internal static async Task AddTeamAsync(QueryFixture.Seeded seeded, string key, string name)
    {
        await using var session = await TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, seeded.TenantId, Ct);
        await using var insert = session.Command("INSERT INTO teams (tenant_id, key, name) VALUES ($1, $2, $3)");
        insert.Parameters.Add(new NpgsqlParameter { Value = seeded.TenantId });
        insert.Parameters.Add(new NpgsqlParameter { Value = key });
        insert.Parameters.Add(new NpgsqlParameter { Value = name });
        await insert.ExecuteNonQueryAsync(Ct);
        await session.CommitAsync(Ct);
    }

    internal static async Task<long> JobCountAsync(QueryFixture.Seeded seeded)
    {
        await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM analytics_jobs WHERE tenant_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = seeded.TenantId });
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    internal static async Task OwnerAsync(TestDatabase db, string sql)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
