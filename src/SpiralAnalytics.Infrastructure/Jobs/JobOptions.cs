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

    /// <summary>Whether workers are woken by PostgreSQL LISTEN/NOTIFY when a job is enqueued (Hangfire.PostgreSql EnableLongPolling).</summary>
    public bool LongPolling { get; set; } = true;

    /// <summary>
    /// How long a job fetched by a worker stays invisible to the other workers without a sign of life from its process
    /// (Hangfire.PostgreSql InvisibilityTimeout, sliding: a live worker keeps renewing it, however long its job runs). A node
    /// killed mid-job leaves its job to another node's workers after this long.
    /// </summary>
    [Range(5, 3600)]
    public int InvisibilityTimeoutSeconds { get; set; } = 60;

    /// <summary>How often scheduled jobs (retries after a delay) are moved to their queue.</summary>
    [Range(1, 300)]
    public int SchedulePollSeconds { get; set; } = 2;
}
