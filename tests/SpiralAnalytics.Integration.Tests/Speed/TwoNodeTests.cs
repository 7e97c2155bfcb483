using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Ask;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Speed;

/// <summary>
/// Two API processes (<c>spiral serve</c>, each with its own Hangfire workers) on one PostgreSQL and one Redis, as two
/// nodes behind a load balancer run: a question submitted on one node is executed by whichever worker takes it and
/// streamed over SSE from the other; a node killed in the middle of a job loses nothing — the other node's worker takes
/// the job over once its invisibility timeout passes and the reader, on the surviving node, gets the final event.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class TwoNodeTests(PostgresServer server)
{
    /// <summary>The offline translator reads this as spillover_ratio by team over the last 3 sprints.</summary>
    private const string Question = "spillover by team in the last 3 sprints";


    [Fact]
    public async Task A_question_asked_on_one_node_is_streamed_from_the_other_and_survives_the_death_of_the_node_running_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var seeded = await QueryFixture.SeededAsync(server, nameof(TwoNodeTests));
        var settings = new Dictionary<string, string?>(seeded.Db.Configuration)
        {
            ["Auth:SigningKey"] = ApiFactory.SigningKey,
            ["ConnectionStrings:Redis"] = RepoPaths.LocalSettings().Redis,
            ["Jobs:Enabled"] = "true",
            ["Jobs:Workers"] = "1",
            ["Jobs:QueuePollMilliseconds"] = "200",
            ["Jobs:InvisibilityTimeoutSeconds"] = "20",
            ["Jobs:RefreshCron"] = "0 0 1 1 *",
            ["Query:StatementTimeoutSeconds"] = "120",
        };
        var token = (await TestData.CliAsync(settings, "token", "create", "--tenant", seeded.Slug, "--role", "lead", "--user", "ada")).Out.Trim();
        await using var a = ServeProcess.Start(settings);
        await using var b = ServeProcess.Start(settings);
        await Task.WhenAll(a.WaitForLiveAsync(ct), b.WaitForLiveAsync(ct));
        using var onA = a.Client(token);
        using var onB = b.Client(token);

        // 1. submitted on one node, streamed from the other, both ways; each answer equals POST /query of its spec on the other node
        for (var i = 0; i < 6; i++)
        {
            var (submit, stream) = i % 2 == 0 ? (onA, onB) : (onB, onA);
            var asOf = AsOf(i);
            var accepted = await AskFixture.AskAsync(submit, Question, asOf: asOf);
            var events = await Sse.AllAsync(stream, (string)accepted["events_url"]!, timeout: TimeSpan.FromMinutes(2));
            Assert.Equal("completed", events[^1].Type);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), events.Select(e => e.Id));
            var result = events[^1].Json["result"]!.AsObject();
            var direct = await QueryAsync(submit, result["spec"]!, asOf);
            Assert.True(result["rows"]!.AsArray().Count > 0);
            Assert.True(JsonNode.DeepEquals(direct["rows"], result["rows"]), $"{result["rows"]} vs {direct["rows"]}");
        }

        // 2. the node running a job dies while its query waits: the other node's worker finishes it, its reader gets the end
        await using var owner = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await owner.OpenAsync(ct);
        await using var locking = await owner.BeginTransactionAsync(ct);
        await using (var lockViews = new NpgsqlCommand($"LOCK TABLE {string.Join(", ", AskFixture.RuntimeViews)} IN ACCESS EXCLUSIVE MODE", owner, locking))
        {
            await lockViews.ExecuteNonQueryAsync(ct);
        }

        var held = await AskFixture.AskAsync(onA, Question, asOf: AsOf(100));
        var jobId = AskFixture.JobId(held);
        var url = (string)held["events_url"]!;
        var before = await Sse.UntilAsync(onA, url, "executing", timeout: TimeSpan.FromMinutes(2));
        // Hangfire's server id is host:pid:guid: the process whose worker took the job
        var running = await ProcessingServerAsync(seeded, jobId);
        var pid = int.Parse(running.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(pid, new[] { a.Id, b.Id });
        var (doomed, survivor) = pid == a.Id ? (a, b) : (b, a);
        doomed.Kill();
        await locking.RollbackAsync(ct);

        using var reader = survivor.Client(token);
        var after = await Sse.AllAsync(reader, url, lastEventId: before[^1].Id, timeout: TimeSpan.FromMinutes(2));
        Assert.Equal("completed", after[^1].Type);
        var final = after[^1].Json["result"]!.AsObject();
        var expected = await QueryAsync(reader, final["spec"]!, AsOf(100));
        Assert.True(JsonNode.DeepEquals(expected["rows"], final["rows"]), $"{final["rows"]} vs {expected["rows"]}");
        var job = await reader.GetFromJsonAsync<JsonObject>($"/api/v1/jobs/{jobId}", ct);
        Assert.Equal("completed", (string)job!["status"]!);
        await using (var attempts = new NpgsqlCommand("SELECT attempts FROM analytics_jobs WHERE id = $1", owner))
        {
            attempts.Parameters.Add(new NpgsqlParameter { Value = jobId });
            Assert.Equal(2, (int)(await attempts.ExecuteScalarAsync(ct))!); // the dead node's run and the survivor's
        }

        Assert.NotEqual(running, await ProcessingServerAsync(seeded, jobId));
        Assert.False(survivor.HasExited, survivor.Output);
    }

    private static string AsOf(int i) => new DateTimeOffset(2026, 2, 1, 12, 0, 0, TimeSpan.Zero).AddMinutes(i).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<JsonObject> QueryAsync(HttpClient client, JsonNode spec, string asOf)
    {
        using var response = await client.PostAsync($"/api/v1/query?as_of={Uri.EscapeDataString(asOf)}",
            new StringContent(spec.ToJsonString(), System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>
    /// The Hangfire server (<c>host:pid:guid</c>) of the job's newest Processing state: the node whose worker runs it (or ran it
    /// last). Waits until there is one (a worker records it as it takes the job).
    /// </summary>
    private static async Task<string> ProcessingServerAsync(QueryFixture.Seeded seeded, Guid jobId)
    {
        await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 100; i++)
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT s.data::jsonb ->> 'ServerId' FROM hangfire.job j JOIN hangfire.state s ON s.jobid = j.id
                WHERE j.arguments::text LIKE '%' || $1 || '%' AND s.name = 'Processing' ORDER BY s.id DESC LIMIT 1
                """, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = jobId.ToString() });
            if (await command.ExecuteScalarAsync(TestContext.Current.CancellationToken) is string { Length: > 0 } id)
            {
                return id;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken); // Hangfire's state row, not a job event: nothing to wait on
        }

        throw new TimeoutException($"no Processing state for job {jobId}");
    }
}
