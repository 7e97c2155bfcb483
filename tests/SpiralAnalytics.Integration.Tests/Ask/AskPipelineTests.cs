using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SpiralAnalytics.Infrastructure.Ask;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Verified;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Ask;

/// <summary>The pipeline in process (as <c>spiral ask</c> runs it): re-runs, retries and cancellation of a long query.</summary>
[Collection(HangfireCollection.Name)]
public sealed class AskPipelineTests(PostgresServer server)
{
    private const string Spec = """{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""";


    [Fact]
    public async Task Running_the_same_job_twice_duplicates_no_event_and_no_row()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskPipelineTests));
        using var host = AskHost.Build(seeded.Db, new TestTranslator(), RepoPaths.LocalSettings().Redis);
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, job) = await Service<AskService>(host).CreateAsync(seeded.Slug, "u", AskFixture.Question(Spec), null, AskFixture.AsOf, ct);
        var pipeline = Service<AskPipeline>(host);

        Assert.Equal(AskRunOutcome.Finished, await pipeline.RunAsync(seeded.Slug, tenantId, job.Id, lastAttempt: false, ct));
        var events = await Service<IJobEventStream>(host).ReadAsync(job.Id, 0, ct);
        var fingerprint = await TestData.FingerprintAsync(seeded.Db, tenantId);
        Assert.Equal(AskRunOutcome.Skipped, await pipeline.RunAsync(seeded.Slug, tenantId, job.Id, lastAttempt: false, ct));
        Assert.Equal(fingerprint, await TestData.FingerprintAsync(seeded.Db, tenantId));
        Assert.Equal(events, await Service<IJobEventStream>(host).ReadAsync(job.Id, 0, ct));

        // a worker that died after executing: the job runs again from the start, its events are not repeated
        await OwnerAsync(seeded, "UPDATE analytics_jobs SET status = 'executing', finished_at = NULL WHERE id = $1", job.Id);
        Assert.Equal(AskRunOutcome.Finished, await pipeline.RunAsync(seeded.Slug, tenantId, job.Id, lastAttempt: false, ct));
        var again = await Service<IJobEventStream>(host).ReadAsync(job.Id, 0, ct);
        Assert.Equal(events, again);
        Assert.Equal(["queued", "translating", "validating", "planning", "executing", "completed"], again.Select(e => e.Status));
        var row = await Service<JobStore>(host).GetAsync(tenantId, job.Id, ct);
        Assert.Equal("completed", row!.Status);
        Assert.Equal(2, row.Attempts);
    }

    [Fact]
    public async Task A_tenant_without_verified_questions_is_not_searched_until_one_is_verified_and_then_it_answers()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskPipelineTests) + "Verified");
        var translator = new TestTranslator();
        using var host = AskHost.Build(seeded.Db, translator);
        var ct = TestContext.Current.CancellationToken;
        var contexts = Service<TenantContextCache>(host);
        const string Question = "Which team spilled the most over the last 3 sprints?";

        Assert.False((await contexts.GetAsync(seeded.Slug, ct)).HasVerifiedQuestions);
        var first = await RunAsync(host, seeded, AskFixture.Question(Spec), ct);
        Assert.Equal("test", first.Translator);
        Assert.Single(translator.Requests);

        // verifying a pair moves the tenant's stamp: the context in memory is read again, and the next question is matched
        var (pair, _) = await Service<VerifiedQuestionStore>(host).AddAsync(seeded.Slug, Question, SpecJson.Parse(Spec).Spec!, "ada", null, null, ct);
        Assert.True((await contexts.GetAsync(seeded.Slug, ct)).HasVerifiedQuestions);
        var verified = await RunAsync(host, seeded, Question, ct); // the test translator would fail the test for this text
        Assert.Equal(AskPipeline.VerifiedTranslator, verified.Translator);
        Assert.Equal(pair.Id, verified.Result!.Deserialize(AskJsonContext.Default.QueryResult)!.Verified?.Id);
        Assert.Single(translator.Requests);
    }

    [Fact]
    public async Task A_last_attempt_that_ends_before_the_job_is_finished_fails_it_and_ends_its_stream()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskPipelineTests) + "GiveUp");
        // the job's start refused by the database: the attempt ends before the pipeline could finish the job itself
        await using (var owner = new NpgsqlConnection(seeded.Db.OwnerConnectionString))
        {
            await owner.OpenAsync(TestContext.Current.CancellationToken);
            await using var trigger = new NpgsqlCommand(
                """
                CREATE OR REPLACE FUNCTION test_refuse_start() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'start refused by the test'; END $$;
                DROP TRIGGER IF EXISTS test_refuse_start ON analytics_jobs;
                CREATE TRIGGER test_refuse_start BEFORE UPDATE ON analytics_jobs FOR EACH ROW
                    WHEN (NEW.status = 'translating' AND NEW.question LIKE 'refuse start:%') EXECUTE FUNCTION test_refuse_start();
                """, owner);
            await trigger.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        using var host = AskHost.Build(seeded.Db, new TestTranslator(), RepoPaths.LocalSettings().Redis);
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, job) = await Service<AskService>(host).CreateAsync(seeded.Slug, "u", "refuse start: " + AskFixture.Question(Spec), null, AskFixture.AsOf, ct);
        var ask = (AskJob)Service<IAskJob>(host);
        var reading = Task.Run(async () =>
        {
            var read = new List<JobEvent>();
            await foreach (var item in Service<JobEventReader>(host).ReadAsync(tenantId, job.Id, 0, ct))
            {
                if (item.Event is { } e)
                {
                    read.Add(e);
                }
            }

            return read;
        }, ct);

        // not the last attempt: the exception goes to Hangfire, which tries again; the job is left as it is
        await Assert.ThrowsAsync<PostgresException>(() => ask.RunAsync(tenantId, job.Id, retries: 0, ct));
        Assert.Equal(JobStatuses.Queued, (await Service<JobStore>(host).GetAsync(tenantId, job.Id, ct))!.Status);
        Assert.False(reading.IsCompleted);

        // the last attempt: Hangfire gives the job up, so it is finished as failed and its reader gets a final event
        await Assert.ThrowsAsync<PostgresException>(() => ask.RunAsync(tenantId, job.Id, retries: AskRetryPolicy.Retries, ct));
        var row = await Service<JobStore>(host).GetAsync(tenantId, job.Id, ct);
        Assert.Equal(JobStatuses.Failed, row!.Status);
        Assert.Equal("the job could not be run; ask again", row.Error);
        var events = await reading.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal([(1L, JobStatuses.Queued), (2L, JobStatuses.Failed)], events.Select(e => (e.Seq, e.Status)));
        Assert.False(await Service<AskService>(host).GiveUpAsync(tenantId, job.Id, ct)); // a final job is not finished twice
    }

    private static async Task<JobRecord> RunAsync(Microsoft.Extensions.Hosting.IHost host, QueryFixture.Seeded seeded, string question, CancellationToken ct)
    {
        var (tenantId, job) = await Service<AskService>(host).CreateAsync(seeded.Slug, "u", question, null, AskFixture.AsOf, ct);
        Assert.Equal(AskRunOutcome.Finished, await Service<AskPipeline>(host).RunAsync(seeded.Slug, tenantId, job.Id, lastAttempt: true, ct));
        var row = await Service<JobStore>(host).GetAsync(tenantId, job.Id, ct);
        Assert.True(row!.Status == JobStatuses.Completed, $"{row.Status}: {row.Error}");
        return row;
    }

    [Fact]
    public async Task A_transient_error_is_thrown_for_Hangfire_to_retry_until_the_last_attempt_which_fails_the_job()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskPipelineTests));
        using var host = AskHost.Build(seeded.Db, new TestTranslator());
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, job) = await Service<AskService>(host).CreateAsync(seeded.Slug, "u", "fail always: " + AskFixture.Question(Spec), null, AskFixture.AsOf, ct);
        var pipeline = Service<AskPipeline>(host);

        await Assert.ThrowsAsync<PostgresException>(() => pipeline.RunAsync(seeded.Slug, tenantId, job.Id, lastAttempt: false, ct));
        var retrying = await Service<JobStore>(host).GetAsync(tenantId, job.Id, ct);
        Assert.Equal("translating", retrying!.Status);
        Assert.Contains("could not serialize", retrying.Error, StringComparison.Ordinal);

        Assert.Equal(AskRunOutcome.Finished, await pipeline.RunAsync(seeded.Slug, tenantId, job.Id, lastAttempt: true, ct));
        var failed = await Service<JobStore>(host).GetAsync(tenantId, job.Id, ct);
        Assert.Equal("failed", failed!.Status);
        Assert.Equal(2, failed.Attempts);
        var events = await Service<IJobEventStream>(host).ReadAsync(job.Id, 0, ct);
        Assert.Equal(["queued", "translating", "failed"], events.Select(e => e.Status));
    }

    [Fact]
    public async Task A_validation_error_and_a_clarification_finish_the_job_without_an_exception()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskPipelineTests));
        using var host = AskHost.Build(seeded.Db, new TestTranslator());
        var ct = TestContext.Current.CancellationToken;
        foreach (var (question, status) in new[] { (AskFixture.Question("""{"metrics":["no_such_metric"]}"""), "failed"), ("clarify: what?", "clarification") })
        {
            var (tenantId, job) = await Service<AskService>(host).CreateAsync(seeded.Slug, "u", question, null, AskFixture.AsOf, ct);
            Assert.Equal(AskRunOutcome.Finished, await Service<AskPipeline>(host).RunAsync(seeded.Slug, tenantId, job.Id, lastAttempt: false, ct));
            Assert.Equal(status, (await Service<JobStore>(host).GetAsync(tenantId, job.Id, ct))!.Status);
        }
    }

    [Fact]
    public async Task Cancelling_stops_a_long_query_through_the_row_and_through_the_API()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskPipelineTests) + "Cancel");
        var ct = TestContext.Current.CancellationToken;
        var settings = new Dictionary<string, string?> { ["Query:StatementTimeoutSeconds"] = "120", ["Ask:CancelPollMilliseconds"] = "100" };
        // Each process reads the tenant's context (its dimension members, from the base tables) once and keeps it: read it
        // before the views are locked, as a running system has, so that only the query waits on the lock.
        var host = AskHost.Build(seeded.Db, new TestTranslator(), settings: settings);
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator(), settings: settings);
        await Service<TenantContextCache>(host).GetAsync(seeded.Slug, ct);
        await api.Services.GetRequiredService<TenantContextCache>().GetAsync(seeded.Slug, ct);
        await using var owner = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await owner.OpenAsync(ct);
        await using var locking = await owner.BeginTransactionAsync(ct);
        await using (var lockViews = new NpgsqlCommand($"LOCK TABLE {string.Join(", ", AskFixture.RuntimeViews)} IN ACCESS EXCLUSIVE MODE", owner, locking))
        {
            await lockViews.ExecuteNonQueryAsync(ct);
        }

        // 1. in process, the cancel written to the row only (as from another node): the running job polls it
        using (host)
        {
            var (tenantId, job) = await Service<AskService>(host).CreateAsync(seeded.Slug, "u", AskFixture.Question(Spec), null, AskFixture.AsOf, ct);
            var run = Service<AskPipeline>(host).RunAsync(seeded.Slug, tenantId, job.Id, lastAttempt: false, ct);
            await foreach (var item in Service<JobEventReader>(host).ReadAsync(tenantId, job.Id, 0, ct))
            {
                if (item.Event?.Status == JobStatuses.Executing)
                {
                    break;
                }
            }

            await WaitingQueriesAsync(seeded, expected: 1);
            Assert.Equal(CancelOutcome.Requested, (await Service<JobStore>(host).RequestCancelAsync(tenantId, job.Id, ct)).Outcome);
            Assert.Equal(AskRunOutcome.Finished, await run.WaitAsync(TimeSpan.FromSeconds(30), ct));
            Assert.Equal("cancelled", (await Service<JobStore>(host).GetAsync(tenantId, job.Id, ct))!.Status);
            await WaitingQueriesAsync(seeded, expected: 0);
        }

        // 2. through the API: POST cancel while the query waits; the stream ends with cancelled
        using var client = AskFixture.Client(api, seeded.Slug);
        var accepted = await AskFixture.AskAsync(client, AskFixture.Question(Spec));
        var url = (string)accepted["events_url"]!;
        var before = await Sse.UntilAsync(client, url, "executing");
        await WaitingQueriesAsync(seeded, expected: 1);
        using var cancel = await client.PostAsync($"/api/v1/jobs/{AskFixture.JobId(accepted)}/cancel", null, ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);
        var after = await Sse.AllAsync(client, url, lastEventId: before[^1].Id, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(["cancelled"], after.Select(e => e.Type));
        await WaitingQueriesAsync(seeded, expected: 0);
        await locking.RollbackAsync(ct);

        // 3. a queued job is cancelled at once (its worker then finds nothing to run)
        using var again = AskHost.Build(seeded.Db, new TestTranslator());
        var (tenant, queued) = await Service<AskService>(again).CreateAsync(seeded.Slug, "u", AskFixture.Question(Spec), null, AskFixture.AsOf, ct);
        Assert.Equal(CancelOutcome.Cancelled, (await Service<AskService>(again).CancelAsync(tenant, queued.Id, ct)).Outcome);
        Assert.Equal(AskRunOutcome.Skipped, await Service<AskPipeline>(again).RunAsync(seeded.Slug, tenant, queued.Id, lastAttempt: false, ct));
        Assert.Equal(["queued", "cancelled"], (await Service<IJobEventStream>(again).ReadAsync(queued.Id, 0, ct)).Select(e => e.Status));
        Assert.Equal(CancelOutcome.AlreadyFinal, (await Service<AskService>(again).CancelAsync(tenant, queued.Id, ct)).Outcome);
    }

    private static T Service<T>(Microsoft.Extensions.Hosting.IHost host)
        where T : notnull => host.Services.GetRequiredService<T>();

    private static async Task OwnerAsync(QueryFixture.Seeded seeded, string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Waits (bounded) until exactly <paramref name="expected"/> statements wait on a lock in the test database (only the runtime's queries can).</summary>
    private static async Task WaitingQueriesAsync(QueryFixture.Seeded seeded, int expected)
    {
        await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        long count = -1;
        for (var i = 0; i < 200; i++)
        {
            await using var command = new NpgsqlCommand(
                // pg_locks, not pg_stat_activity: the owner role may not see another role's wait events
                "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", connection);
            count = (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
            if (count == expected)
            {
                return;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken); // the server's view of a backend, not a job: no event to wait on
        }

        Assert.Fail($"{count} runtime statements wait on a lock; expected {expected}");
    }
}
