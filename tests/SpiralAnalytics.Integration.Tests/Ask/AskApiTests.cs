using System.Net.Http.Json;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Ask;

/// <summary>End to end through the HTTP API: WebApplicationFactory, Hangfire workers, real PostgreSQL and Redis.</summary>
[Collection(HangfireCollection.Name)]
public sealed class AskApiTests(PostgresServer server)
{
    private const string Spillover = """{"metrics":["spillover_ratio","velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""";

    // Questions of their own for the tests that watch every stage: a question another test already asked at the same
    // instant is answered from the question cache at submission (queued → completed, no stages).
    private const string Streamed = """{"metrics":["spillover_ratio","velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"limit":41}""";
    private const string Reconnected = """{"metrics":["spillover_ratio","velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"limit":42}""";
    private const string Quiet = """{"metrics":["spillover_ratio","velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"limit":43}""";

    private static readonly string[] Stages = ["queued", "translating", "validating", "planning", "executing", "completed"];

    [Fact]
    public async Task An_ask_streams_the_stages_in_order_and_its_result_equals_spiral_query_of_the_same_spec()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator());
        using var client = AskFixture.Client(api, seeded.Slug);

        var accepted = await AskFixture.AskAsync(client, AskFixture.Question(Streamed));
        var id = AskFixture.JobId(accepted);
        Assert.Equal("queued", (string)accepted["status"]!);
        Assert.Equal($"/api/v1/jobs/{id}/events", (string)accepted["events_url"]!);
        Assert.True(Guid.TryParse((string)accepted["conversation_id"]!, out _));

        var events = await Sse.AllAsync(client, (string)accepted["events_url"]!);
        Assert.Equal(Stages, events.Select(e => e.Type));
        Assert.Equal(["1", "2", "3", "4", "5", "6"], events.Select(e => e.Id));
        foreach (var e in events)
        {
            var data = e.Json;
            Assert.Equal(long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture), (long)data["seq"]!);
            Assert.Equal(id, Guid.Parse((string)data["job_id"]!));
            Assert.Equal(e.Type, (string)data["status"]!);
            Assert.NotNull(data["at"]);
            Assert.True((double)data["elapsed_ms"]! >= 0);
        }

        var result = events[^1].Json["result"]!.AsObject();
        var query = await SpiralQueryAsync(seeded, Streamed);
        AssertSameAnswer(query, result);
        Assert.Equal(AskFixture.Question(Streamed), (string)result["question"]!);
        Assert.Contains("translate", result["timings_ms"]!.AsObject().Select(p => p.Key));

        using var job = await client.GetAsync($"/api/v1/jobs/{id}", TestContext.Current.CancellationToken);
        var view = JsonNode.Parse(await job.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal("completed", (string)view["status"]!);
        Assert.Equal("test", (string)view["translator"]!);
        Assert.Equal((string)query["sql"]!, (string)view["sql"]!);
        Assert.True(JsonNode.DeepEquals(query["metric_versions"], view["metric_versions"]));
        // the same spec may have been asked by another test of this class: then the answer came from the cache
        var served = (string)result["cache"]! == "hit" ? "cache" : "execute";
        Assert.Equal(new[] { served, "plan", "translate", "validate" }.Order(), view["stage_durations"]!.AsObject().Select(p => p.Key).Order());
        AssertSameAnswer(query, view["result"]!.AsObject());
        Assert.Equal("a test translation", (string)view["notes"]![0]!);
        Assert.NotNull(view["started_at"]);
        Assert.NotNull(view["finished_at"]);
    }

    [Fact]
    public async Task The_identical_second_ask_is_a_cache_hit_and_a_refresh_makes_the_next_one_a_miss()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator());
        using var client = AskFixture.Client(api, seeded.Slug);
        var spec = """{"metrics":["completed_issues"],"group_by":["team"],"time":{"type":"last_sprints","n":2},"limit":7}""";

        var first = await FinalAsync(client, AskFixture.Question(spec));
        var second = await FinalAsync(client, AskFixture.Question(spec));
        Assert.Equal("miss", (string)first["result"]!["cache"]!);
        Assert.Equal("hit", (string)second["result"]!["cache"]!);
        AssertSameAnswer(first["result"]!.AsObject(), second["result"]!.AsObject());
        Assert.Contains("cache", second["result"]!["timings_ms"]!.AsObject().Select(p => p.Key));
        Assert.True(await TestData.OwnerCountAsync(seeded.Db, "analytics_cache", seeded.TenantId) >= 1);

        using (var host = Query.QueryFixture.Host(seeded.Db))
        {
            await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, TestContext.Current.CancellationToken);
        }

        var third = await FinalAsync(client, AskFixture.Question(spec));
        Assert.Equal("miss", (string)third["result"]!["cache"]!);
        AssertSameAnswer(first["result"]!.AsObject(), third["result"]!.AsObject());
        var fourth = await FinalAsync(client, AskFixture.Question(spec));
        Assert.Equal("hit", (string)fourth["result"]!["cache"]!);
    }

    [Fact]
    public async Task An_ask_sent_with_Accept_event_stream_is_answered_with_its_events_in_one_request_and_a_repeat_from_the_cache()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator());
        using var client = AskFixture.Client(api, seeded.Slug);
        var spec = """{"metrics":["completed_issues"],"group_by":["team"],"time":{"type":"last_sprints","n":2},"limit":44}""";

        var first = await AskFixture.StreamAsync(client, AskFixture.Question(spec));
        var second = await AskFixture.StreamAsync(client, AskFixture.Question(spec));
        Assert.Equal("completed", first[^1].Type);
        Assert.Equal(["queued", "completed"], second.Select(e => e.Type));
        Assert.Equal("hit", (string)second[^1].Json["result"]!["cache"]!);
        AssertSameAnswer(first[^1].Json["result"]!.AsObject(), second[^1].Json["result"]!.AsObject());
        // the repeat was relayed from memory before its events went to Redis; the response ended only once they had, so
        // another node's reader of the job finds them there
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(RepoPaths.LocalSettings().Redis!))
        {
            var repeatId = Guid.Parse((string)second[0].Json["job_id"]!);
            var shared = await redis.GetDatabase().StreamRangeAsync(Infrastructure.Ask.RedisJobEventStream.Key(repeatId));
            Assert.Equal(["1-1", "2-1"], shared.Select(e => (string)e.Id!));
        }

        // the stream is the job's: its record has the same answer
        var id = Guid.Parse((string)first[0].Json["job_id"]!);
        using var job = await client.GetAsync($"/api/v1/jobs/{id}", TestContext.Current.CancellationToken);
        var view = JsonNode.Parse(await job.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal("completed", (string)view["status"]!);
        AssertSameAnswer(first[^1].Json["result"]!.AsObject(), view["result"]!.AsObject());
    }

    [Fact]
    public async Task Reconnecting_with_Last_Event_ID_yields_no_duplicates_and_no_gaps()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        var translator = new TestTranslator { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var api = AskFixture.Api(seeded.Db, translator);
        using var client = AskFixture.Client(api, seeded.Slug);
        var accepted = await AskFixture.AskAsync(client, AskFixture.Question(Reconnected));
        var url = (string)accepted["events_url"]!;

        // disconnect in the middle of the run (the translator holds it at translating)
        var before = await Sse.UntilAsync(client, url, "translating");
        Assert.Equal(["1", "2"], before.Select(e => e.Id));
        translator.Gate.SetResult();

        var after = await Sse.AllAsync(client, url, lastEventId: before[^1].Id);
        var seqs = before.Concat(after).Select(e => int.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, 6), seqs);
        Assert.Equal(Stages, before.Concat(after).Select(e => e.Type));

        // after the end: the query-string form, and a resume past the final event ends at once
        var tail = await Sse.AllAsync(client, url + "?last_event_id=4");
        Assert.Equal(["executing", "completed"], tail.Select(e => e.Type));
        Assert.Empty(await Sse.AllAsync(client, url, lastEventId: "6", timeout: TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task A_quiet_job_sends_heartbeats_without_ids()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        var translator = new TestTranslator { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var api = AskFixture.Api(seeded.Db, translator, settings: new Dictionary<string, string?> { ["Ask:HeartbeatSeconds"] = "0.2" });
        using var client = AskFixture.Client(api, seeded.Slug);
        var accepted = await AskFixture.AskAsync(client, AskFixture.Question(Quiet));

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        var events = new List<SseEvent>();
        await foreach (var e in Sse.ReadAsync(client, (string)accepted["events_url"]!, ct: cts.Token))
        {
            events.Add(e);
            if (events.Count(x => x.Type == "heartbeat") == 2)
            {
                translator.Gate.TrySetResult();
            }
        }

        Assert.All(events.Where(e => e.Type == "heartbeat"), e => Assert.Null(e.Id));
        Assert.Equal(Stages, events.Where(e => e.Type != "heartbeat").Select(e => e.Type));
        Assert.Equal("completed", events[^1].Type);
    }

    [Fact]
    public async Task A_clarification_is_a_final_event_with_the_options_and_is_not_retried()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator());
        using var client = AskFixture.Client(api, seeded.Slug);
        var accepted = await AskFixture.AskAsync(client, "clarify: which measure of health?");

        var events = await Sse.AllAsync(client, (string)accepted["events_url"]!);
        Assert.Equal(["queued", "translating", "clarification"], events.Select(e => e.Type));
        var clarification = events[^1].Json["clarification"]!;
        Assert.Equal("which measure of health?", (string)clarification["reason"]!);
        Assert.Equal("spillover by team", (string)clarification["options"]![0]!["question"]!);

        var view = await JobAsync(client, AskFixture.JobId(accepted));
        Assert.Equal("clarification", (string)view["status"]!);
        Assert.Equal("which measure of health?", (string)view["clarification"]!["reason"]!);
        Assert.Equal(1, await AttemptsAsync(seeded, AskFixture.JobId(accepted)));
    }

    [Fact]
    public async Task An_invalid_spec_fails_with_the_errors_and_is_not_retried_while_a_transient_error_is()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator());
        using var client = AskFixture.Client(api, seeded.Slug);

        var invalid = await AskFixture.AskAsync(client, AskFixture.Question("""{"metrics":["velocity"],"filters":[{"dimension":"team","op":"eq","values":["Nobody"]}]}"""));
        var events = await Sse.AllAsync(client, (string)invalid["events_url"]!);
        Assert.Equal(["queued", "translating", "validating", "failed"], events.Select(e => e.Type));
        Assert.Contains("Nobody", (string)events[^1].Json["error"]!, StringComparison.Ordinal);
        Assert.Equal(1, await AttemptsAsync(seeded, AskFixture.JobId(invalid)));

        // a serialization failure in the first attempt: Hangfire retries it and the job completes, with no duplicate events
        var flaky = await AskFixture.AskAsync(client, "fail once: " + AskFixture.Question(Spillover));
        var retried = await Sse.AllAsync(client, (string)flaky["events_url"]!);
        Assert.Equal(Stages, retried.Select(e => e.Type));
        Assert.Equal(2, await AttemptsAsync(seeded, AskFixture.JobId(flaky)));
    }

    [Fact]
    public async Task A_follow_up_gets_the_previous_spec_of_its_conversation()
    {
        // a question of its own: one another test asked in the same minute would be answered from the question cache
        const string FollowUpStart = """{"metrics":["spillover_ratio","velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":4}}""";
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        var translator = new TestTranslator();
        await using var api = AskFixture.Api(seeded.Db, translator);
        using var client = AskFixture.Client(api, seeded.Slug);

        var first = await AskFixture.AskAsync(client, AskFixture.Question(FollowUpStart));
        await Sse.AllAsync(client, (string)first["events_url"]!);
        var conversation = Guid.Parse((string)first["conversation_id"]!);
        var followUp = await AskFixture.AskAsync(client, AskFixture.Question("""{"metrics":["velocity"],"group_by":["team"]}"""), conversation);
        Assert.Equal(conversation, Guid.Parse((string)followUp["conversation_id"]!));
        await Sse.AllAsync(client, (string)followUp["events_url"]!);

        var request = translator.Requests.Last();
        Assert.NotNull(request.Previous);
        Assert.Equal(["spillover_ratio", "velocity"], request.Previous!.Metrics);
        Assert.Null(translator.Requests.First(r => r.Question == AskFixture.Question(FollowUpStart)).Previous);
    }

    [Fact]
    public async Task Another_tenants_job_is_404_and_cancelling_a_finished_job_is_409()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator());
        using var client = AskFixture.Client(api, seeded.Slug);
        using var stranger = AskFixture.Client(api, seeded.Other);
        var accepted = await AskFixture.AskAsync(client, AskFixture.Question(Spillover));
        var id = AskFixture.JobId(accepted);
        await Sse.AllAsync(client, (string)accepted["events_url"]!);
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/jobs/{id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/jobs/{id}/events", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/v1/jobs/{id}/cancel", null, ct)).StatusCode);
        using var conflict = await client.PostAsync($"/api/v1/jobs/{id}/cancel", null, ct);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.CreateClient().PostAsync("/api/v1/ask", new StringContent("{}"), ct)).StatusCode);
        using var empty = await client.PostAsync("/api/v1/ask", new StringContent("""{"question":"  "}""", System.Text.Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task Redis_stopped_in_the_middle_of_a_run_answers_keep_coming()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        using var redis = new OwnRedis();
        var translator = new TestTranslator { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var api = AskFixture.Api(seeded.Db, translator, redis.ConnectionString);
        using var client = AskFixture.Client(api, seeded.Slug);
        var spec = """{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":4}}""";

        var accepted = await AskFixture.AskAsync(client, AskFixture.Question(spec));
        var url = (string)accepted["events_url"]!;
        var before = await Sse.UntilAsync(client, url, "translating");
        redis.Stop();
        translator.Gate.SetResult();
        var after = await Sse.AllAsync(client, url, lastEventId: before[^1].Id);
        Assert.Equal(Stages, before.Concat(after).Select(e => e.Type));
        var expected = await SpiralQueryAsync(seeded, spec);
        AssertSameAnswer(expected, after[^1].Json["result"]!.AsObject());

        // and later questions, with Redis gone: answered, the cache served from the table
        for (var i = 0; i < 3; i++)
        {
            var final = await FinalAsync(client, AskFixture.Question(spec));
            Assert.Equal("completed", (string)final["status"]!);
            Assert.Equal("hit", (string)final["result"]!["cache"]!);
            AssertSameAnswer(expected, final["result"]!.AsObject());
        }
    }

    [Fact]
    public async Task A_hundred_concurrent_asks_all_complete_with_correct_results()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator(), workers: 4);
        using var client = AskFixture.Client(api, seeded.Slug);
        string[] specs =
        [
            """{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":5}}""",
            """{"metrics":["spillover_ratio"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}]}""",
            """{"metrics":["completed_issues","bug_count"],"group_by":["team"],"time":{"type":"all"}}""",
            """{"metrics":["cycle_time_p50"],"group_by":["team"],"time":{"type":"last_sprints","n":6},"sort":[{"by":"cycle_time_p50","dir":"desc"}]}""",
            """{"metrics":["reopen_rate"],"time":{"type":"last_sprints","n":3},"compare":{"type":"previous_period"}}""",
        ];
        var expected = new Dictionary<string, JsonObject>();
        foreach (var spec in specs)
        {
            expected[spec] = await SpiralQueryAsync(seeded, spec);
        }

        var finals = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            var spec = specs[i % specs.Length];
            var final = await FinalAsync(client, AskFixture.Question(spec), TimeSpan.FromMinutes(4));
            return (spec, final);
        }));

        Assert.All(finals, f =>
        {
            Assert.Equal("completed", (string)f.final["status"]!);
            AssertSameAnswer(expected[f.spec], f.final["result"]!.AsObject());
        });
    }

    internal static async Task<JsonObject> FinalAsync(HttpClient client, string question, TimeSpan? timeout = null)
    {
        var accepted = await AskFixture.AskAsync(client, question);
        var events = await Sse.AllAsync(client, (string)accepted["events_url"]!, timeout: timeout);
        Assert.True(events.Count > 0 && events.Select(e => e.Id).SequenceEqual(Enumerable.Range(1, events.Count).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            string.Join(",", events.Select(e => $"{e.Id}:{e.Type}")));
        return events[^1].Json;
    }

    internal static async Task<JsonObject> SpiralQueryAsync(QueryFixture.Seeded seeded, string spec)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("spiral-ask-").FullName, "spec.json");
        await File.WriteAllTextAsync(file, spec, TestContext.Current.CancellationToken);
        var run = await TestData.CliAsync(seeded.Db, "query", "--spec", file, "--tenant", seeded.Slug, "--as-of", AskFixture.AsOfText, "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        return JsonNode.Parse(run.Out)!.AsObject();
    }

    /// <summary>The same answer: everything of the result object but the question, the cache and the timings.</summary>
    internal static void AssertSameAnswer(JsonObject expected, JsonObject actual)
    {
        foreach (var key in new[] { "spec", "as_of", "columns", "rows", "metric_versions", "sql", "warnings" })
        {
            Assert.True(JsonNode.DeepEquals(expected[key], actual[key]), $"{key}: expected {expected[key]?.ToJsonString()} but was {actual[key]?.ToJsonString()}");
        }
    }

    private static async Task<JsonObject> JobAsync(HttpClient client, Guid id)
    {
        using var response = await client.GetAsync($"/api/v1/jobs/{id}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject();
    }

    [Fact]
    public async Task Workers_keep_no_LISTEN_connection_so_no_fetched_job_can_wait_on_one()
    {
        // Hangfire.PostgreSql's long polling starts a LISTEN per fetch and blocks the worker until it ends; a lost cancel of
        // that wait left a fetched job never run (README: hung ask streams). Off by default, so no connection ever listens.
        var seeded = await AskFixture.SeededAsync(server, nameof(AskApiTests));
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator());
        using var client = AskFixture.Client(api, seeded.Slug);
        var spec = """{"metrics":["completed_issues"],"group_by":["team"],"time":{"type":"last_sprints","n":2},"limit":45}""";
        for (var i = 0; i < 3; i++)
        {
            var accepted = await AskFixture.AskAsync(client, AskFixture.Question(spec), asOf: $"2024-04-2{i}T00:00:00Z");
            var events = await Sse.AllAsync(client, (string)accepted["events_url"]!);
            Assert.Equal("completed", events[^1].Type); // picked up without a notification: the enqueue wakes a worker here
        }

        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken); // the workers wait for the next job again
        await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    private static async Task<int> AttemptsAsync(QueryFixture.Seeded seeded, Guid id)
    {
        await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT attempts FROM analytics_jobs WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (int)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
