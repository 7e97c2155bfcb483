using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>
/// A job's append-only event stream. Sequence numbers are the identity of an event: appending a sequence number that is
/// already there (a re-run of the job) changes nothing, so re-running a job never duplicates its events.
/// </summary>
public interface IJobEventStream
{
    /// <summary>Appends the event; false when an event with its sequence number is already in the stream.</summary>
    Task<bool> AppendAsync(JobEvent e, CancellationToken ct);

    /// <summary>The events with a sequence number above <paramref name="afterSeq"/>, in order.</summary>
    Task<IReadOnlyList<JobEvent>> ReadAsync(Guid jobId, long afterSeq, CancellationToken ct);

    /// <summary>
    /// Appends events of one job in order (what <see cref="AppendAsync(JobEvent, CancellationToken)"/> does for each; a
    /// stream may send them together); false when any was already there.
    /// </summary>
    async Task<bool> AppendAllAsync(IReadOnlyList<JobEvent> events, CancellationToken ct)
    {
        var added = true;
        foreach (var e in events)
        {
            added &= await AppendAsync(e, ct);
        }

        return added;
    }
}

/// <summary>Events in this process's memory, kept for <see cref="AskOptions.EventRetentionMinutes"/>; readers can wait for the next append.</summary>
public sealed class InProcessJobEventStream(IOptions<AskOptions> options, TimeProvider? clock = null) : IJobEventStream
{
    private readonly ConcurrentDictionary<Guid, JobLog> _logs = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private long _nextSweepTicks;

    public Task<bool> AppendAsync(JobEvent e, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        Sweep(now);
        var log = _logs.GetOrAdd(e.JobId, _ => new JobLog());
        bool added;
        TaskCompletionSource signal;
        lock (log)
        {
            log.Touched = now;
            added = log.Events.TryAdd(e.Seq, e);
            signal = log.Signal;
            if (added)
            {
                log.Signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (added)
        {
            signal.TrySetResult();
        }

        return Task.FromResult(added);
    }

    public Task<IReadOnlyList<JobEvent>> ReadAsync(Guid jobId, long afterSeq, CancellationToken ct)
    {
        if (!_logs.TryGetValue(jobId, out var log))
        {
            return Task.FromResult<IReadOnlyList<JobEvent>>([]);
        }

        lock (log)
        {
            return Task.FromResult<IReadOnlyList<JobEvent>>(log.Events.Values.Where(e => e.Seq > afterSeq).ToList());
        }
    }

    /// <summary>Completes at the next append to the job's stream in this process (take it before reading, then wait).</summary>
    public Task NextAppendAsync(Guid jobId)
    {
        var log = _logs.GetOrAdd(jobId, _ => new JobLog { Touched = _clock.GetUtcNow() });
        lock (log)
        {
            return log.Signal.Task;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, now.AddMinutes(1).UtcTicks, next) != next)
        {
            return;
        }

        var cutoff = now.AddMinutes(-options.Value.EventRetentionMinutes);
        foreach (var (id, log) in _logs)
        {
            if (log.Touched < cutoff)
            {
                _logs.TryRemove(id, out _);
            }
        }
    }

    private sealed class JobLog
    {
        public SortedList<long, JobEvent> Events { get; } = [];

        public TaskCompletionSource Signal { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DateTimeOffset Touched { get; set; }
    }
}

/// <summary>
/// A Redis Stream per job (<c>spiral:job:{id}:events</c>) whose entry ids are <c>{seq}-1</c>: XADD of an id that is not
/// above the stream's top is refused by Redis, which is exactly the duplicate check; the key expires after the retention.
/// Throws on Redis failures (<see cref="ResilientJobEventStream"/> decides what to do).
/// </summary>
public sealed class RedisJobEventStream(IDatabase database, TimeSpan retention) : IJobEventStream
{
    private const string Field = "e";

    public static RedisKey Key(Guid jobId) => $"spiral:job:{jobId:N}:events";

    public Task<bool> AppendAsync(JobEvent e, CancellationToken ct) => AppendAllAsync([e], ct);

    /// <remarks>
    /// One round trip for all of them: the XADDs (in order, on the one connection) and the key's EXPIRE are sent together
    /// and then awaited; a refused XADD (its sequence number is already there) does not stop the ones after it.
    /// </remarks>
    public async Task<bool> AppendAllAsync(IReadOnlyList<JobEvent> events, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return true;
        }

        var key = Key(events[0].JobId);
        var adds = events.Select(e => database.StreamAddAsync(key, Field, JsonSerializer.Serialize(e, AskJsonContext.Default.JobEvent),
            messageId: $"{e.Seq.ToString(CultureInfo.InvariantCulture)}-1")).ToList();
        var expire = database.KeyExpireAsync(key, retention);
        var added = true;
        foreach (var add in adds)
        {
            try
            {
                await add;
            }
            catch (RedisServerException ex) when (ex.Message.Contains("equal or smaller", StringComparison.OrdinalIgnoreCase))
            {
                added = false;
            }
        }

        await expire;
        return added;
    }

    public async Task<IReadOnlyList<JobEvent>> ReadAsync(Guid jobId, long afterSeq, CancellationToken ct)
    {
        var entries = await database.StreamRangeAsync(Key(jobId), minId: $"{(afterSeq + 1).ToString(CultureInfo.InvariantCulture)}-0", maxId: "+");
        var events = new List<JobEvent>(entries.Length);
        foreach (var entry in entries)
        {
            var value = entry[Field];
            if (!value.IsNull && JsonSerializer.Deserialize((string)value!, AskJsonContext.Default.JobEvent) is { } e)
            {
                events.Add(e);
            }
        }

        return events;
    }
}

/// <summary>
/// The stream the pipeline and the SSE endpoint use. Every event goes to this process's memory and, when Redis is
/// configured and up, to Redis (which other API nodes read). Reads take the union of both by sequence number, so a
/// Redis that stops mid-run (or comes back empty) leaves neither gaps nor duplicates for readers in this process.
/// A Redis failure is logged by <see cref="RedisConnection"/> and never reaches the caller.
/// </summary>
public sealed class ResilientJobEventStream(InProcessJobEventStream local, RedisConnection redis, IOptions<AskOptions> options) : IJobEventStream
{
    public Task<bool> AppendAsync(JobEvent e, CancellationToken ct) => AppendAllAsync([e], ct);

    /// <summary>Appends the events to this process's memory, then sends them to Redis together (one round trip).</summary>
    public async Task<bool> AppendAllAsync(IReadOnlyList<JobEvent> events, CancellationToken ct)
    {
        var added = await AppendHereAsync(events, ct);
        return await ShareAsync(events, ct) && added;
    }

    /// <summary>
    /// Appends the events to this process's memory, where this process's readers see them at once, and starts sending them
    /// to Redis (for other nodes' readers): the returned task is that send, which never fails (see <see cref="AppendAllAsync"/>).
    /// For a caller that answers from this process first and waits for the send after.
    /// </summary>
    public async Task<Task> AppendHereThenShareAsync(IReadOnlyList<JobEvent> events, CancellationToken ct)
    {
        await AppendHereAsync(events, ct);
        return ShareAsync(events, CancellationToken.None);
    }

    private async Task<bool> AppendHereAsync(IReadOnlyList<JobEvent> events, CancellationToken ct)
    {
        var added = true;
        foreach (var e in events)
        {
            added &= await local.AppendAsync(e, ct);
        }

        return added;
    }

    /// <summary>The events sent to Redis; true when Redis took them all or is not there to ask.</summary>
    private async Task<bool> ShareAsync(IReadOnlyList<JobEvent> events, CancellationToken ct)
    {
        if (await redis.DatabaseAsync() is not { } db)
        {
            return true;
        }

        try
        {
            var added = await Redis(db).AppendAllAsync(events, ct);
            redis.Succeeded();
            return added;
        }
        catch (Exception ex) when (RedisConnection.IsRedisFailure(ex))
        {
            redis.Failed(ex, "append job event");
            return true;
        }
    }

    /// <remarks>
    /// When this process holds every event after <paramref name="afterSeq"/> up to the final one (the job ran or was
    /// answered here), Redis has nothing to add and is not asked: the union would be the same events.
    /// </remarks>
    public async Task<IReadOnlyList<JobEvent>> ReadAsync(Guid jobId, long afterSeq, CancellationToken ct)
    {
        var mine = await local.ReadAsync(jobId, afterSeq, ct);
        if (IsCompleteToTheEnd(mine, afterSeq) || await redis.DatabaseAsync() is not { } db)
        {
            return mine;
        }

        IReadOnlyList<JobEvent> shared;
        try
        {
            shared = await Redis(db).ReadAsync(jobId, afterSeq, ct);
            redis.Succeeded();
        }
        catch (Exception ex) when (RedisConnection.IsRedisFailure(ex))
        {
            redis.Failed(ex, "read job events");
            return mine;
        }

        if (shared.Count == 0)
        {
            return mine;
        }

        var union = new SortedList<long, JobEvent>();
        foreach (var e in mine.Concat(shared))
        {
            union.TryAdd(e.Seq, e);
        }

        return [.. union.Values];
    }

    /// <summary>Whether the events are every sequence number after <paramref name="afterSeq"/>, in order, ending with a final one.</summary>
    public static bool IsCompleteToTheEnd(IReadOnlyList<JobEvent> events, long afterSeq)
    {
        if (events.Count == 0 || !events[^1].IsFinal)
        {
            return false;
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Seq != afterSeq + 1 + i)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Completes at the next append in this process, or after the Redis poll interval when Redis may carry others' events.</summary>
    public Task NextAppendAsync(Guid jobId, CancellationToken ct)
    {
        var signal = local.NextAppendAsync(jobId);
        return redis.IsConfigured
            ? Task.WhenAny(signal, Task.Delay(options.Value.EventPollMilliseconds, ct))
            : signal.WaitAsync(ct);
    }

    private RedisJobEventStream Redis(IDatabase db) => new(db, TimeSpan.FromMinutes(options.Value.EventRetentionMinutes));
}
