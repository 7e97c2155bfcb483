using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>An event of the job, or a heartbeat (null event) while it has nothing new to say.</summary>
public sealed record JobStreamItem(JobEvent? Event)
{
    public static readonly JobStreamItem Heartbeat = new((JobEvent?)null);
}

/// <summary>
/// Follows a job's stream from a sequence number: every later event once, in order, then the end after the final event
/// (what the SSE endpoint and <c>spiral ask</c> relay). Waits without polling for events written in this process, polls
/// Redis for others', and sends a heartbeat when nothing was sent for <see cref="AskOptions.HeartbeatSeconds"/>. If the job
/// row is final but its stream never gets the final event (it was written to a Redis that died, on another node), the
/// final event is rebuilt from the row, so a client always gets its answer.
/// </summary>
public sealed class JobEventReader(ResilientJobEventStream stream, JobStore jobs, IOptions<AskOptions> options, TimeProvider? clock = null)
{
    private static readonly TimeSpan RowCheck = TimeSpan.FromSeconds(2);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async IAsyncEnumerable<JobStreamItem> ReadAsync(Guid tenantId, Guid jobId, long afterSeq, [EnumeratorCancellation] CancellationToken ct)
    {
        var last = afterSeq;
        var heartbeat = TimeSpan.FromSeconds(options.Value.HeartbeatSeconds);
        var lastSent = _clock.GetUtcNow();
        var lastRowCheck = lastSent;
        while (true)
        {
            var next = stream.NextAppendAsync(jobId, ct); // taken before reading, so an append in between is not missed
            var batch = await stream.ReadAsync(jobId, last, ct);
            var ended = false;
            foreach (var e in batch.Where(e => e.Seq > last))
            {
                yield return new JobStreamItem(e);
                last = e.Seq;
                lastSent = _clock.GetUtcNow();
                if (e.IsFinal)
                {
                    ended = true;
                    break;
                }
            }

            if (ended)
            {
                yield break;
            }

            if (batch.Count > 0)
            {
                continue;
            }

            var now = _clock.GetUtcNow();
            if (now - lastRowCheck >= RowCheck)
            {
                lastRowCheck = now;
                var job = await jobs.GetAsync(tenantId, jobId, ct);
                if (job is null)
                {
                    yield break;
                }

                if (JobStatuses.IsFinal(job.Status) && job.FinishedAt is { } finished && now - finished >= RowCheck)
                {
                    var all = await stream.ReadAsync(jobId, 0, ct);
                    if (!all.Any(e => e.IsFinal))
                    {
                        yield return new JobStreamItem(FromRow(job, Math.Max(last, all.Count == 0 ? 0 : all[^1].Seq) + 1, now));
                    }

                    yield break; // the final event is behind the reader (a resume after the end) or was just rebuilt
                }
            }

            var wait = heartbeat - (now - lastSent);
            if (wait <= TimeSpan.Zero)
            {
                yield return JobStreamItem.Heartbeat;
                lastSent = now;
                continue;
            }

            await Task.WhenAny(next, Task.Delay(wait < RowCheck ? wait : RowCheck, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    private static JobEvent FromRow(JobRecord job, long seq, DateTimeOffset now) =>
        new(seq, job.Id, job.Status, job.FinishedAt ?? now, Math.Max(0, Math.Round(((job.FinishedAt ?? now) - job.CreatedAt).TotalMilliseconds, 1)))
        {
            Detail = "rebuilt from the job row",
            Result = job.Result,
            Error = job.Error,
            Clarification = job.Clarification is null ? null : job.Clarification.Deserialize(AskJsonContext.Default.Clarification),
        };
}
