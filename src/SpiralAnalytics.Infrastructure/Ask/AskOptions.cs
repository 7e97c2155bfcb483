using System.ComponentModel.DataAnnotations;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>The ask pipeline (section <c>Ask</c>); Redis is <c>ConnectionStrings:Redis</c> (empty: in-process streams, table-only cache).</summary>
public sealed class AskOptions
{
    public const string Section = "Ask";

    /// <summary>How long a cached answer lives in Redis (the table keeps it until a refresh makes it stale).</summary>
    [Range(1, 10_080)]
    public int CacheTtlMinutes { get; set; } = 1440;

    /// <summary>
    /// How many answers this process keeps in memory in front of Redis (0: none). An entry's key names the data and context
    /// it was computed under, so a kept entry is never stale; it only saves the Redis read of a repeated question.
    /// </summary>
    [Range(0, 1_000_000)]
    public int CacheMemoryEntries { get; set; } = 2000;

    /// <summary>How long a job's event stream is kept (Redis key TTL and the in-process copy).</summary>
    [Range(1, 10_080)]
    public int EventRetentionMinutes { get; set; } = 1440;

    /// <summary>SSE heartbeat interval while a job has nothing new to say.</summary>
    [Range(0.05, 300)]
    public double HeartbeatSeconds { get; set; } = 10;

    /// <summary>How often a running job checks its row for a cancel request made on another node.</summary>
    [Range(50, 60_000)]
    public int CancelPollMilliseconds { get; set; } = 500;

    /// <summary>How often an SSE reader looks at Redis for events written on another node (local events wake it at once).</summary>
    [Range(10, 10_000)]
    public int EventPollMilliseconds { get; set; } = 250;

    /// <summary>After a Redis failure, how long Redis is left alone before it is tried again.</summary>
    [Range(0, 3600)]
    public double RedisRetrySeconds { get; set; } = 5;

    /// <summary>Redis connect and command timeout: a slow Redis must not slow the answers down.</summary>
    [Range(50, 60_000)]
    public int RedisTimeoutMilliseconds { get; set; } = 1000;

    /// <summary>
    /// An ask without <c>as_of</c> is answered as of now truncated to this many seconds, so the same question asked
    /// twice within the window has the same cache key (a relative time window resolves against <c>as_of</c>).
    /// </summary>
    [Range(1, 86_400)]
    public int AsOfPrecisionSeconds { get; set; } = 60;
}
