using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Ask;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Integration.Tests.Fixtures;
using StackExchange.Redis;

namespace SpiralAnalytics.Integration.Tests.Ask;

/// <summary>Cache key, event stream resume and retry policy, without the API.</summary>
public sealed class AskUnitTests
{
    private static readonly Guid Tenant = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly DateTimeOffset At = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Versions = new() { ["spillover_ratio"] = "1.0.0", ["velocity"] = "1.0.0" };

    private static string Canonical(string json) => SpecJson.Write(SpecJson.Parse(json).Spec!);

    [Fact]
    public void The_cache_key_hashes_the_canonical_spec_so_spelling_and_key_order_do_not_matter()
    {
        var a = Canonical("""{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""");
        var b = Canonical("""{ "time": {"n": 3, "type": "last_sprints"},  "group_by": ["team"], "metrics": ["spillover_ratio"] }""");
        Assert.Equal(a, b);
        Assert.Equal(CacheKey.Compute(Tenant, a, Versions, 7, At), CacheKey.Compute(Tenant, b, Versions, 7, At));
        Assert.Matches("^[0-9a-f]{64}$", CacheKey.Compute(Tenant, a, Versions, 7, At));
        var reordered = new Dictionary<string, string> { ["velocity"] = "1.0.0", ["spillover_ratio"] = "1.0.0" };
        Assert.Equal(CacheKey.Compute(Tenant, a, Versions, 7, At), CacheKey.Compute(Tenant, a, reordered, 7, At));
    }

    [Fact]
    public void The_cache_key_changes_with_the_tenant_the_spec_a_metric_version_the_data_version_and_as_of()
    {
        var spec = Canonical("""{"metrics":["spillover_ratio"],"group_by":["team"]}""");
        var key = CacheKey.Compute(Tenant, spec, Versions, 7, At);
        string[] others =
        [
            CacheKey.Compute(Guid.NewGuid(), spec, Versions, 7, At),
            CacheKey.Compute(Tenant, Canonical("""{"metrics":["spillover_ratio"],"group_by":["sprint"]}"""), Versions, 7, At),
            CacheKey.Compute(Tenant, spec, new Dictionary<string, string> { ["spillover_ratio"] = "1.1.0", ["velocity"] = "1.0.0" }, 7, At),
            CacheKey.Compute(Tenant, spec, Versions, 8, At),
            CacheKey.Compute(Tenant, spec, Versions, 7, At.AddMinutes(1)),
        ];
        Assert.All(others, other => Assert.NotEqual(key, other));
        Assert.Equal(others.Length, others.Distinct().Count());
    }

    [Fact]
    public async Task The_in_process_stream_ignores_a_repeated_sequence_number_and_resumes_after_one()
    {
        var stream = new InProcessJobEventStream(Options.Create(new AskOptions()));
        var job = Guid.NewGuid();
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await stream.AppendAsync(Event(job, 1, JobStatuses.Queued), ct));
        Assert.True(await stream.AppendAsync(Event(job, 2, JobStatuses.Translating), ct));
        Assert.False(await stream.AppendAsync(Event(job, 2, JobStatuses.Translating) with { Detail = "a re-run" }, ct));
        Assert.True(await stream.AppendAsync(Event(job, 3, JobStatuses.Validating), ct));

        Assert.Equal([2L, 3L], (await stream.ReadAsync(job, 1, ct)).Select(e => e.Seq));
        Assert.Null((await stream.ReadAsync(job, 1, ct))[0].Detail);
        Assert.Empty(await stream.ReadAsync(job, 3, ct));
        Assert.Empty(await stream.ReadAsync(Guid.NewGuid(), 0, ct));
    }

    [Fact]
    public async Task The_reader_resumes_after_the_last_event_id_and_ends_after_the_final_event()
    {
        var options = Options.Create(new AskOptions());
        var local = new InProcessJobEventStream(options);
        var stream = new ResilientJobEventStream(local, Redis(""), options);
        var job = Guid.NewGuid();
        var ct = TestContext.Current.CancellationToken;
        string[] statuses = ["queued", "translating", "validating", "planning", "executing", "completed"];
        for (var i = 0; i < 3; i++)
        {
            await stream.AppendAsync(Event(job, i + 1, statuses[i]), ct);
        }

        // the store is never consulted while the stream has something to say
        using var nowhere = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Database=x;Username=x;Password=x");
        var reader = new JobEventReader(stream, new JobStore(new SpiralDataSources(nowhere, nowhere)), options);
        var read = new List<long>();
        var following = Task.Run(async () =>
        {
            await foreach (var item in reader.ReadAsync(Tenant, job, 2, ct))
            {
                read.Add(item.Event!.Seq);
            }
        }, ct);
        for (var i = 3; i < 6; i++)
        {
            await stream.AppendAsync(Event(job, i + 1, statuses[i]), ct);
        }

        await following.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal([3L, 4L, 5L, 6L], read);
    }

    [Fact]
    public async Task A_Redis_stream_refuses_a_repeated_sequence_number_resumes_after_one_and_expires()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RepoPaths.LocalSettings().Redis!);
        var stream = new RedisJobEventStream(redis.GetDatabase(), TimeSpan.FromMinutes(5));
        var job = Guid.NewGuid();
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await stream.AppendAsync(Event(job, 1, JobStatuses.Queued), ct));
        Assert.True(await stream.AppendAsync(Event(job, 2, JobStatuses.Translating), ct));
        Assert.False(await stream.AppendAsync(Event(job, 2, JobStatuses.Translating), ct));
        Assert.False(await stream.AppendAsync(Event(job, 1, JobStatuses.Queued), ct));
        Assert.True(await stream.AppendAsync(Event(job, 3, JobStatuses.Completed), ct));

        Assert.Equal([1L, 2L, 3L], (await stream.ReadAsync(job, 0, ct)).Select(e => e.Seq));
        Assert.Equal([3L], (await stream.ReadAsync(job, 2, ct)).Select(e => e.Seq));
        Assert.True(await redis.GetDatabase().KeyTimeToLiveAsync(RedisJobEventStream.Key(job)) > TimeSpan.FromMinutes(4));
        await redis.GetDatabase().KeyDeleteAsync(RedisJobEventStream.Key(job));
    }

    [Fact]
    public async Task Events_appended_together_reach_Redis_in_order_once_with_the_retention()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RepoPaths.LocalSettings().Redis!);
        var stream = new RedisJobEventStream(redis.GetDatabase(), TimeSpan.FromMinutes(5));
        var job = Guid.NewGuid();
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await stream.AppendAllAsync([Event(job, 1, JobStatuses.Queued), Event(job, 2, JobStatuses.Completed)], ct));
        // the same again: both refused, nothing doubled; a batch with one new event adds that one and says not all were new
        Assert.False(await stream.AppendAllAsync([Event(job, 1, JobStatuses.Queued), Event(job, 2, JobStatuses.Completed)], ct));
        Assert.False(await stream.AppendAllAsync([Event(job, 2, JobStatuses.Completed), Event(job, 3, JobStatuses.Completed)], ct));

        Assert.Equal([1L, 2L, 3L], (await stream.ReadAsync(job, 0, ct)).Select(e => e.Seq));
        Assert.Equal([JobStatuses.Queued, JobStatuses.Completed], (await stream.ReadAsync(job, 0, ct)).Take(2).Select(e => e.Status));
        Assert.True(await redis.GetDatabase().KeyTimeToLiveAsync(RedisJobEventStream.Key(job)) > TimeSpan.FromMinutes(4));
        await redis.GetDatabase().KeyDeleteAsync(RedisJobEventStream.Key(job));
    }

    [Fact]
    public async Task A_stream_this_process_holds_to_its_final_event_is_read_without_Redis_and_a_partial_one_with_it()
    {
        var options = Options.Create(new AskOptions());
        using var own = new OwnRedis();
        await using var redis = Redis(own.ConnectionString);
        var stream = new ResilientJobEventStream(new InProcessJobEventStream(options), redis, options);
        var ct = TestContext.Current.CancellationToken;
        var done = Guid.NewGuid();
        var running = Guid.NewGuid();
        Assert.True(await stream.AppendAllAsync([Event(done, 1, JobStatuses.Queued), Event(done, 2, JobStatuses.Completed)], ct));
        Assert.True(await stream.AppendAsync(Event(running, 1, JobStatuses.Queued), ct));
        Assert.Equal([1L, 2L], (await stream.ReadAsync(done, 0, ct)).Select(e => e.Seq)); // written to Redis as well
        Assert.False(redis.IsDown);

        own.Stop();
        // complete here: Redis is not asked, so its outage is not even noticed
        Assert.Equal([1L, 2L], (await stream.ReadAsync(done, 0, ct)).Select(e => e.Seq));
        Assert.Equal([2L], (await stream.ReadAsync(done, 1, ct)).Select(e => e.Seq));
        Assert.False(redis.IsDown);
        // not final yet: another node may have written more, so Redis is asked (and found down; the local events still come)
        Assert.Equal([1L], (await stream.ReadAsync(running, 0, ct)).Select(e => e.Seq));
        Assert.True(redis.IsDown);
    }

    [Fact]
    public void Only_a_gapless_run_of_events_up_to_a_final_one_is_complete()
    {
        var job = Guid.NewGuid();
        Assert.True(ResilientJobEventStream.IsCompleteToTheEnd([Event(job, 1, JobStatuses.Queued), Event(job, 2, JobStatuses.Completed)], 0));
        Assert.True(ResilientJobEventStream.IsCompleteToTheEnd([Event(job, 3, JobStatuses.Failed)], 2));
        Assert.False(ResilientJobEventStream.IsCompleteToTheEnd([Event(job, 1, JobStatuses.Queued), Event(job, 3, JobStatuses.Completed)], 0));
        Assert.False(ResilientJobEventStream.IsCompleteToTheEnd([Event(job, 2, JobStatuses.Queued), Event(job, 3, JobStatuses.Completed)], 0));
        Assert.False(ResilientJobEventStream.IsCompleteToTheEnd([Event(job, 1, JobStatuses.Queued), Event(job, 2, JobStatuses.Executing)], 0));
        Assert.False(ResilientJobEventStream.IsCompleteToTheEnd([], 0));
    }

    [Fact]
    public async Task With_Redis_unreachable_the_stream_keeps_working_in_process()
    {
        var options = Options.Create(new AskOptions());
        var stream = new ResilientJobEventStream(new InProcessJobEventStream(options), Redis("127.0.0.1:1"), options);
        var job = Guid.NewGuid();
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await stream.AppendAsync(Event(job, 1, JobStatuses.Queued), ct));
        Assert.True(await stream.AppendAsync(Event(job, 2, JobStatuses.Cancelled), ct));
        Assert.Equal([1L, 2L], (await stream.ReadAsync(job, 0, ct)).Select(e => e.Seq));
    }

    [Fact]
    public void Only_transient_database_errors_are_retried()
    {
        Assert.True(AskRetryPolicy.IsTransient(new PostgresException("x", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure)));
        Assert.True(AskRetryPolicy.IsTransient(new PostgresException("x", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected)));
        Assert.True(AskRetryPolicy.IsTransient(new PostgresException("x", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown)));
        Assert.True(AskRetryPolicy.IsTransient(new NpgsqlException("connection lost", new IOException("reset"))));
        Assert.True(AskRetryPolicy.IsTransient(new TimeoutException()));

        Assert.False(AskRetryPolicy.IsTransient(new SpecValidationException([new SpecError("metrics[0]", "nope", "unknown metric")])));
        Assert.False(AskRetryPolicy.IsTransient(new PostgresException("statement timeout", "ERROR", "ERROR", PostgresErrorCodes.QueryCanceled)));
        Assert.False(AskRetryPolicy.IsTransient(new PostgresException("x", "ERROR", "ERROR", PostgresErrorCodes.UndefinedColumn)));
        Assert.False(AskRetryPolicy.IsTransient(new InvalidOperationException("a bug")));
    }

    [Fact]
    public void The_ask_job_declares_its_retry_policy_where_Hangfire_reads_it()
    {
        // read as attribute data: constructing Hangfire's attribute asks its global log provider for a logger, which may
        // belong to a host an earlier test disposed
        var retry = typeof(IAskJob).GetMethod(nameof(IAskJob.RunAsync))!.GetCustomAttributesData()
            .Single(a => a.AttributeType == typeof(AutomaticRetryAttribute));
        var named = retry.NamedArguments.ToDictionary(a => a.MemberName, a => a.TypedValue.Value);
        Assert.Equal(AskRetryPolicy.Retries, named[nameof(AutomaticRetryAttribute.Attempts)]);
        Assert.Equal((int)AttemptsExceededAction.Fail, named[nameof(AutomaticRetryAttribute.OnAttemptsExceeded)]);
    }

    [Fact]
    public void The_ask_job_Hangfire_stores_and_shows_carries_ids_only()
    {
        var client = new RecordingJobClient();
        var jobId = Guid.NewGuid();

        new HangfireAskQueue(client).Enqueue("demo-secret-slug", Tenant, jobId);

        var job = Assert.Single(client.Jobs);
        Assert.Equal(nameof(IAskJob.RunAsync), job.Method.Name);
        Assert.Equal(Tenant, job.Args[0]);
        Assert.Equal(jobId, job.Args[1]);
        Assert.DoesNotContain(job.Args, a => a is string);
        Assert.Equal([typeof(Guid), typeof(Guid), typeof(Hangfire.Server.PerformContext), typeof(CancellationToken)],
            typeof(IAskJob).GetMethod(nameof(IAskJob.RunAsync))!.GetParameters().Select(p => p.ParameterType));
    }

    private sealed class RecordingJobClient : IBackgroundJobClient
    {
        public List<Hangfire.Common.Job> Jobs { get; } = [];

        public string Create(Hangfire.Common.Job job, Hangfire.States.IState state)
        {
            Jobs.Add(job);
            return Jobs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool ChangeState(string jobId, Hangfire.States.IState state, string expectedState) => true;
    }

    private static JobEvent Event(Guid job, long seq, string status) => new(seq, job, status, At, seq * 10);

    private static RedisConnection Redis(string connectionString) => new(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = connectionString }).Build(),
        Options.Create(new AskOptions { RedisTimeoutMilliseconds = 300 }), NullLogger<RedisConnection>.Instance);
}
