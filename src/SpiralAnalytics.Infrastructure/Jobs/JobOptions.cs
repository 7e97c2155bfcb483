using System.ComponentModel.DataAnnotations;

namespace SpiralAnalytics.Infrastructure.Jobs;

/// <summary>Background jobs (section <c>Jobs</c>).</summary>
public sealed class JobOptions
{
    public const string Section = "Jobs";

    /// <summary>Whether this process runs a Hangfire server (the API does by default; the CLI never does).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Hangfire workers in this process.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 2;

    /// <summary>When the analytics views are refreshed (cron, UTC). Default: every 15 minutes.</summary>
    [Required]
    public string RefreshCron { get; set; } = "*/15 * * * *";

    /// <summary>The PostgreSQL schema of Hangfire's own tables.</summary>
    [Required]
    public string Schema { get; set; } = "hangfire";

    /// <summary>How often idle workers look for new jobs when no notification came (Hangfire.PostgreSql QueuePollInterval).</summary>
    [Range(50, 60_000)]
    public int QueuePollMilliseconds { get; set; } = 1000;

    /// <summary>
    /// Whether workers are woken by PostgreSQL LISTEN/NOTIFY when a job is enqueued (Hangfire.PostgreSql EnableLongPolling).
    /// Off by default: with it, every fetch starts a listener on its own connection and, once a job is fetched, cancels it and
    /// blocks the worker until it ends; now and then that cancel reaches Npgsql's <c>WaitAsync</c> as it starts and is lost
    /// (npgsql/npgsql#5975), the listener waits for a notification that never comes, and the worker never runs the job it
    /// already fetched (it stays invisible for <see cref="InvisibilityTimeoutSeconds"/>; its SSE reader waits). Without it a job
    /// enqueued in this process wakes a worker at once all the same (Hangfire.PostgreSql's in-process signal), and one
    /// enqueued on another node is picked up within <see cref="QueuePollMilliseconds"/>.
    /// </summary>
    public bool LongPolling { get; set; }

    /// <summary>
    /// How long a job fetched by a worker stays invisible to the other workers (Hangfire.PostgreSql InvisibilityTimeout):
    /// a node killed mid-job leaves its job to another node's workers after this long. It is a hard bound, not a sliding
    /// one — a job still running after it is fetched again (running a job twice is harmless here, only wasteful), so keep it
    /// above the longest job (a refresh at 10,000 sprints takes ~15 min). Hangfire's sliding timeout was tried and left
    /// off: with it the hundred-concurrent-asks test hung now and then on a job that never finished (long polling was on then
    /// too, and a job a worker fetched but never ran is what its hang looks like: see <see cref="LongPolling"/>).
    /// </summary>
    [Range(5, 86_400)]
    public int InvisibilityTimeoutSeconds { get; set; } = 1800;

    /// <summary>How often scheduled jobs (retries after a delay) are moved to their queue.</summary>
    [Range(1, 300)]
    public int SchedulePollSeconds { get; set; } = 2;
}
