using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Integration.Tests.Ask;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Speed;

/// <summary>
/// Issue 16, item 1: the database announces every change to what a context stamp reads (migration 0022); a node that
/// hears them trusts a context it read until one comes, and answers a repeat asked in one request before writing its row.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed partial class ContextWatchTests(PostgresServer server)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_notice_moves_its_tenant_a_global_one_every_tenant_and_nothing_is_unmoved_while_not_listening()
    {
        var watch = new ContextWatch();
        Guid atlas = Guid.NewGuid(), phoenix = Guid.NewGuid();
        var early = watch.Mark(atlas);
        Assert.False(watch.Unmoved(atlas, early)); // not listening yet

        watch.SetListening(true);
        Assert.False(watch.Unmoved(atlas, early)); // read before the listener started: notices may have been missed
        var mark = watch.Mark(atlas);
        Assert.True(watch.Unmoved(atlas, mark));

        watch.Heard(phoenix.ToString());
        Assert.True(watch.Unmoved(atlas, mark)); // another tenant's notice
        watch.Heard(atlas.ToString());
        Assert.False(watch.Unmoved(atlas, mark));

        var phoenixMark = watch.Mark(phoenix);
        mark = watch.Mark(atlas);
        watch.Heard("*"); // a refresh or the shipped catalog
        Assert.False(watch.Unmoved(atlas, mark));
        Assert.False(watch.Unmoved(phoenix, phoenixMark));

        mark = watch.Mark(atlas);
        watch.SetListening(false);
        Assert.False(watch.Unmoved(atlas, mark));
        Assert.False(watch.Unmoved(atlas, watch.Mark(atlas)));
    }

    [Fact]
    public async Task Readiness_is_degraded_while_the_watch_is_not_listening()
    {
        var watch = new ContextWatch();
        var check = new SpiralAnalytics.Api.ContextWatchHealthCheck(watch);
        Assert.Equal(HealthStatus.Degraded, (await check.CheckHealthAsync(new HealthCheckContext(), Ct)).Status);
        watch.SetListening(true);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext(), Ct)).Status);
        watch.SetListening(false);
        Assert.Equal(HealthStatus.Degraded, (await check.CheckHealthAsync(new HealthCheckContext(), Ct)).Status);
    }

    [Fact]
    public async Task Every_table_a_stamp_reads_announces_its_writes_with_the_tenant_or_to_everyone()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(ContextWatchTests));
        var tables = StampTables();
        Assert.Equal(["analytics_refreshes", "catalog_revision", "data_imports", "jira_sync_state", "tenant_revisions"], tables);

        await using var owner = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await owner.OpenAsync(Ct);
        await using (var triggers = new NpgsqlCommand(
            """
            SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE p.proname = 'notify_context_change' AND (t.tgtype & 28) = 28   -- INSERT (4), DELETE (8) and UPDATE (16)
            """, owner))
        {
            var announced = new List<string>();
            await using var reader = await triggers.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                announced.Add(reader.GetString(0));
            }

            Assert.Equal(tables, announced.Order(StringComparer.Ordinal));
        }

        await using var listener = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await listener.OpenAsync(Ct);
        var heard = new List<string>();
        listener.Notification += (_, e) => heard.Add(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {ContextWatch.Channel}", listener))
        {
            await listen.ExecuteNonQueryAsync(Ct);
        }

        async Task<string> NextAsync()
        {
            heard.Clear();
            Assert.True(await listener.WaitAsync(Patience, Ct), "no notice came");
            return Assert.Single(heard);
        }

        // a load acting for the tenant: its id (the data_imports row and the revision its teams write bumps), one notice
        await using (var session = await TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, seeded.TenantId, Ct))
        {
            await using (var team = session.Command("INSERT INTO teams (tenant_id, key, name) VALUES (current_tenant_id(), 'CW', 'Watchers')"))
            {
                await team.ExecuteNonQueryAsync(Ct);
            }

            await DataFreshness.RecordImportAsync(session, "csv", 1, Ct);
            await session.CommitAsync(Ct);
        }

        Assert.Equal(seeded.TenantId.ToString(), await NextAsync());

        // the shipped catalog and a refresh: every tenant
        await QuestionCacheTests.OwnerAsync(seeded.Db, "UPDATE metrics SET updated_at = now() WHERE name = 'velocity'");
        Assert.Equal("*", await NextAsync());
        await QuestionCacheTests.OwnerAsync(seeded.Db,
            "INSERT INTO analytics_refreshes (started_at, finished_at, duration_ms, row_counts) VALUES (now(), now(), 0, '{}')");
        Assert.Equal("*", await NextAsync());

        // nothing is announced before the writer commits, and nothing at all when it rolls back
        await using (var session = await TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, seeded.TenantId, Ct))
        {
            await DataFreshness.RecordImportAsync(session, "csv", 1, Ct);
            Assert.False(await listener.WaitAsync(TimeSpan.FromMilliseconds(200), Ct));
        }

        Assert.False(await listener.WaitAsync(TimeSpan.FromMilliseconds(200), Ct));
    }

    [Fact]
    public async Task A_repeat_asked_in_one_request_is_answered_first_and_its_row_written_before_the_response_ends_until_a_change_is_heard()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(ContextWatchTests) + "Ask");
        var translator = new TestTranslator();
        await using var api = AskFixture.Api(seeded.Db, translator);
        using var client = AskFixture.Client(api, seeded.Slug);
        var contexts = api.Services.GetRequiredService<TenantContextCache>();
        var watch = api.Services.GetRequiredService<ContextWatch>();
        await UntilAsync(() => watch.Listening, "the listener never started");
        var question = AskFixture.Question("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"limit":23}""");

        var first = await AskFixture.StreamAsync(client, question);
        Assert.Equal("miss", (string)first[^1].Json["result"]!["cache"]!);
        Assert.NotNull(contexts.Unmoved(seeded.TenantId)); // read since the listener started, nothing heard since
        var jobs = await QuestionCacheTests.JobCountAsync(seeded);

        var repeat = await AskFixture.StreamAsync(client, question);
        Assert.Equal(["queued", "completed"], repeat.Select(e => e.Type));
        Assert.Equal("hit", (string)repeat[^1].Json["result"]!["cache"]!);
        Assert.Single(translator.Requests);
        AskApiTests.AssertSameAnswer(first[^1].Json["result"]!.AsObject(), repeat[^1].Json["result"]!.AsObject());

        // the response ended once the row was written: the job's record is there, as the answer said
        Assert.Equal(jobs + 1, await QuestionCacheTests.JobCountAsync(seeded));
        var id = Guid.Parse((string)repeat[0].Json["job_id"]!);
        using (var response = await client.GetAsync($"/api/v1/jobs/{id}", Ct))
        {
            var view = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
            Assert.Equal("completed", (string)view["status"]!);
            Assert.True((bool)view["cache_hit"]!);
            Assert.NotNull(view["conversation_id"]);
            Assert.Equal((string)first[^1].Json["result"]!["sql"]!, (string)view["sql"]!);
            AskApiTests.AssertSameAnswer(repeat[^1].Json["result"]!.AsObject(), view["result"]!.AsObject());
        }

        // a change to the tenant, once heard, stops the trust: the repeat is translated again under the new context
        await QuestionCacheTests.AddTeamAsync(seeded, "CWA", "Heard");
        await UntilAsync(() => contexts.Unmoved(seeded.TenantId) is null, "the change was never heard");
        var afresh = await AskFixture.StreamAsync(client, question);
        Assert.Contains("translating", afresh.Select(e => e.Type)); // run by a worker (its result may come from the result cache: no refresh)
        Assert.Equal(2, translator.Requests.Count);
        Assert.NotNull(contexts.Unmoved(seeded.TenantId));

        // the listener's connection lost: nothing is trusted until it listens again and the context is read again
        await TerminateListenerAsync(seeded);
        await UntilAsync(() => !watch.Listening || contexts.Unmoved(seeded.TenantId) is null, "the lost listener went unnoticed");
        Assert.Null(contexts.Unmoved(seeded.TenantId));
        var unwatched = await AskFixture.StreamAsync(client, question); // answered from the cache through the checked insert
        Assert.Equal(["queued", "completed"], unwatched.Select(e => e.Type));
        await UntilAsync(() => watch.Listening, "the listener never came back");
        Assert.Equal("Healthy", await client.GetStringAsync("/health/ready", Ct));
        Assert.Null(contexts.Unmoved(seeded.TenantId)); // notices may have been missed while it was away
        await contexts.GetAsync(seeded.Slug, seeded.TenantId, Ct);
        Assert.NotNull(contexts.Unmoved(seeded.TenantId));
        Assert.Equal(2, translator.Requests.Count);
        Assert.Equal(jobs + 3, await QuestionCacheTests.JobCountAsync(seeded));
    }

    /// <summary>The tables <see cref="TenantContextCache.StampColumns"/> reads, from its text (so a table added to the stamp must announce its writes).</summary>
    private static List<string> StampTables() =>
        [.. FromTable().Matches(TenantContextCache.StampColumns).Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal)];

    private static async Task TerminateListenerAsync(QueryFixture.Seeded seeded)
    {
        // as the role the listener connects as: a role may end its own sessions
        await using var runtime = new NpgsqlConnection(seeded.Db.RuntimeConnectionString);
        await runtime.OpenAsync(Ct);
        await using var count = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", runtime);
        count.Parameters.Add(new NpgsqlParameter { Value = ContextWatchListener.ApplicationName });
        Assert.Equal(1L, await count.ExecuteScalarAsync(Ct));
    }

    private static async Task UntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(10, Ct);
        }
    }

    [GeneratedRegex(@"FROM\s+([a-z_]+)", RegexOptions.CultureInvariant)]
    private static partial Regex FromTable();
}
