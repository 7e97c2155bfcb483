using Microsoft.Extensions.Logging;

namespace SpiralAnalytics.Infrastructure;

/// <summary>Every log message of this assembly, source-generated.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Applied migration {Name} in {Milliseconds} ms")]
    public static partial void MigrationApplied(ILogger logger, string name, long milliseconds);

    [LoggerMessage(2, LogLevel.Warning, "Applied migration {Name} is not part of this build")]
    public static partial void MigrationNotInBuild(ILogger logger, string name);

    [LoggerMessage(3, LogLevel.Information, "Imported bundle {Directory} into tenant {Tenant} in {Milliseconds} ms")]
    public static partial void BundleImported(ILogger logger, string directory, string tenant, long milliseconds);

    // Jira connector (100-119). Never log credentials or request headers.
    [LoggerMessage(100, LogLevel.Information, "Syncing Jira board {Board} at {Site} into tenant {Tenant}, changes since {Since}")]
    public static partial void JiraSyncStarted(ILogger logger, long board, Uri site, string tenant, string since);

    [LoggerMessage(101, LogLevel.Information, "Synced Jira board {Board} into tenant {Tenant}: {Issues} issues read, {Written} rows written, {Milliseconds} ms")]
    public static partial void JiraSyncCommitted(ILogger logger, long board, string tenant, int issues, int written, long milliseconds);

    [LoggerMessage(102, LogLevel.Warning, "Jira request {Path} failed ({Reason}); retry {Attempt} of {MaxRetries} in {DelayMilliseconds} ms")]
    public static partial void JiraRetrying(ILogger logger, string path, string reason, int attempt, int maxRetries, long delayMilliseconds);

    [LoggerMessage(103, LogLevel.Debug, "The changelog of {Issue} is truncated ({Embedded} of {Total} entries); reading it in full")]
    public static partial void JiraChangelogTruncated(ILogger logger, string issue, int embedded, int total);

    [LoggerMessage(104, LogLevel.Information, "Jira fields: story points {StoryPoints}, sprint {Sprint}, flagged {Flagged}, epic link {EpicLink}")]
    public static partial void JiraFieldsResolved(ILogger logger, string storyPoints, string sprint, string flagged, string epicLink);

    [LoggerMessage(105, LogLevel.Warning, "Jira board {Board}: {Warning}")]
    public static partial void JiraSyncWarning(ILogger logger, long board, string warning);

    [LoggerMessage(106, LogLevel.Information, "Scheduled Jira sync {JobId}: tenant {Tenant}, board {Board}, cron '{Cron}'")]
    public static partial void JiraSyncScheduled(ILogger logger, string jobId, string tenant, long board, string cron);

    [LoggerMessage(107, LogLevel.Information, "Scheduled Jira sync of board {Board} for tenant {Tenant} finished: {Issues} issues read, changed anything: {Changed}")]
    public static partial void JiraScheduledSyncFinished(ILogger logger, long board, string tenant, int issues, bool changed);

    // 200-299: metrics catalog
    [LoggerMessage(200, LogLevel.Information, "Imported catalog {Folder}: {Added} added, {NewVersions} new versions, {Unchanged} unchanged, {Reembedded} re-embedded in {Milliseconds} ms")]
    public static partial void CatalogImported(ILogger logger, string folder, int added, int newVersions, int unchanged, int reembedded, long milliseconds);

    [LoggerMessage(201, LogLevel.Information, "Metric {Metric} version {Version} created (was {Previous})")]
    public static partial void MetricVersionCreated(ILogger logger, string metric, string version, string previous);

    [LoggerMessage(202, LogLevel.Information, "Metric {Metric} deprecated, replaced by {ReplacedBy}")]
    public static partial void MetricDeprecated(ILogger logger, string metric, string replacedBy);

    [LoggerMessage(203, LogLevel.Information, "Recomputed {Count} catalog embeddings with {EmbedderId}")]
    public static partial void EmbeddingsRecomputed(ILogger logger, int count, string embedderId);

    [LoggerMessage(204, LogLevel.Warning, "{Count} active metrics have embeddings from another embedder than {EmbedderId}; run catalog import")]
    public static partial void StaleEmbeddings(ILogger logger, int count, string embedderId);

    // 300-319: analytics views
    [LoggerMessage(300, LogLevel.Information, "Refreshed the analytics views ({Mode}): data version {Version} in {Milliseconds} ms")]
    public static partial void AnalyticsRefreshed(ILogger logger, long version, string mode, long milliseconds);

    [LoggerMessage(301, LogLevel.Information, "Analytics views refresh scheduled: cron '{Cron}' (UTC)")]
    public static partial void RefreshScheduled(ILogger logger, string cron);

    // 500-549: spec queries
    [LoggerMessage(500, LogLevel.Information, "Query for tenant {Tenant}: {Rows} rows, plan {PlanMilliseconds} ms, execute {ExecuteMilliseconds} ms")]
    public static partial void QueryExecuted(ILogger logger, string tenant, int rows, long planMilliseconds, long executeMilliseconds);

    [LoggerMessage(501, LogLevel.Information, "Spec for tenant {Tenant} rejected with {Errors} error(s)")]
    public static partial void QueryRejected(ILogger logger, string tenant, int errors);

    [LoggerMessage(502, LogLevel.Warning, "Query for tenant {Tenant} cut at {MaxRows} rows")]
    public static partial void RowCapReached(ILogger logger, string tenant, int maxRows);

    // 400-419: demo data
    [LoggerMessage(400, LogLevel.Information, "Seeded demo data into tenant {Tenant}: {Sprints} sprints, {Issues} issues, seed {Seed}; generated in {GenerateMilliseconds} ms, loaded in {LoadMilliseconds} ms")]
    public static partial void DemoSeeded(ILogger logger, string tenant, int sprints, int issues, int seed, long generateMilliseconds, long loadMilliseconds);

    // 620-639: LLM translator. Never log the API key, the prompt or the model's answer (tenant data and user text).
    [LoggerMessage(620, LogLevel.Information, "LLM translator ({Model}) answered after {Requests} request(s) in {Milliseconds} ms")]
    public static partial void LlmAnswered(ILogger logger, string model, int requests, long milliseconds);

    [LoggerMessage(621, LogLevel.Information, "LLM answer rejected with {Errors} error(s), first {FirstError}; one repair round")]
    public static partial void LlmRepairing(ILogger logger, int errors, string firstError);

    [LoggerMessage(622, LogLevel.Warning, "LLM translator not used: {Reason}; the offline translator answers ({Milliseconds} ms spent)")]
    public static partial void LlmFallback(ILogger logger, string reason, long milliseconds);
    // 700-749: ask pipeline (jobs, event streams, cache, Redis)
    [LoggerMessage(700, LogLevel.Information, "Ask job {JobId} queued for tenant {Tenant}")]
    public static partial void AskQueued(ILogger logger, Guid jobId, string tenant);

    [LoggerMessage(701, LogLevel.Information, "Ask job {JobId} completed: cache {Cache}, {Rows} rows, {Milliseconds} ms in stages")]
    public static partial void AskCompleted(ILogger logger, Guid jobId, string cache, int rows, long milliseconds);

    [LoggerMessage(702, LogLevel.Information, "Ask job {JobId} failed while {Stage}: {Message}")]
    public static partial void AskFailed(ILogger logger, Guid jobId, string stage, string message);

    [LoggerMessage(703, LogLevel.Error, "Ask job {JobId} failed unexpectedly while {Stage}")]
    public static partial void AskCrashed(ILogger logger, Exception exception, Guid jobId, string stage);

    [LoggerMessage(704, LogLevel.Warning, "Ask job {JobId} hit a transient error while {Stage}; it will be retried: {Message}")]
    public static partial void AskRetrying(ILogger logger, Guid jobId, string stage, string message);

    [LoggerMessage(705, LogLevel.Information, "Ask job {JobId} cancelled while {Stage}")]
    public static partial void AskCancelled(ILogger logger, Guid jobId, string stage);

    [LoggerMessage(706, LogLevel.Debug, "Ask job {JobId} is final or cancelled; nothing to run")]
    public static partial void AskSkipped(ILogger logger, Guid jobId);

    [LoggerMessage(707, LogLevel.Warning, "Ask job {JobId}: checking for a cancel request failed ({Message}); it runs to its end")]
    public static partial void CancelPollFailed(ILogger logger, Guid jobId, string message);

    [LoggerMessage(710, LogLevel.Warning, "Redis is unavailable ({Operation}: {Error}: {Message}); answering without it (cache from the table, events in process), retrying every {RetrySeconds} s")]
    public static partial void RedisDown(ILogger logger, string operation, string error, string message, double retrySeconds);

    [LoggerMessage(711, LogLevel.Information, "Redis is back; the cache and event streams use it again")]
    public static partial void RedisBack(ILogger logger);

    [LoggerMessage(712, LogLevel.Debug, "Answer cache of tenant {TenantId}: pruned {Count} entries older than data version {DataVersion}")]
    public static partial void CachePruned(ILogger logger, Guid tenantId, int count, long dataVersion);

    [LoggerMessage(713, LogLevel.Error, "Ask job {JobId} could not be enqueued")]
    public static partial void AskEnqueueFailed(ILogger logger, Exception exception, Guid jobId);

    [LoggerMessage(715, LogLevel.Error, "Ask job {JobId}: its last attempt ended in an exception before it was finished; finished as failed so its readers end")]
    public static partial void AskGivenUp(ILogger logger, Exception exception, Guid jobId);

    [LoggerMessage(716, LogLevel.Error, "Ask job {JobId}: its last attempt failed and it could not be finished either; a reader gets its end from the row once it is final")]
    public static partial void AskGiveUpFailed(ILogger logger, Exception exception, Guid jobId);

    [LoggerMessage(717, LogLevel.Information, "Listening for context changes: a repeated question is answered from memory until a change is heard")]
    public static partial void ContextWatchListening(ILogger logger);

    [LoggerMessage(718, LogLevel.Warning, "Not listening for context changes ({Error}: {Message}); every question reads its context's stamp until the listener is back, retrying every {RetrySeconds} s")]
    public static partial void ContextWatchLost(ILogger logger, string error, string message, int retrySeconds);

    [LoggerMessage(719, LogLevel.Error, "Ask job {JobId} was answered from the cache but its row could not be written; the answer is not in the job history")]
    public static partial void AskRecordFailed(ILogger logger, Exception exception, Guid jobId);

    [LoggerMessage(714, LogLevel.Information, "Ask job {JobId}: cancel requested ({Outcome})")]
    public static partial void AskCancelRequested(ILogger logger, Guid jobId, string outcome);

    [LoggerMessage(1400, LogLevel.Information, "Tenant {TenantId}: metric {Name} saved as {Version} ({Action})")]
    public static partial void TenantMetricSaved(ILogger logger, Guid tenantId, string name, string version, string action);

    [LoggerMessage(1401, LogLevel.Information, "Tenant {TenantId}: metric {Name} is now {Status}")]
    public static partial void TenantMetricLifecycle(ILogger logger, Guid tenantId, string name, string status);

    [LoggerMessage(1402, LogLevel.Information, "Tenant {TenantId}: draft metric {Name} deleted")]
    public static partial void TenantMetricDeleted(ILogger logger, Guid tenantId, string name);

    [LoggerMessage(1403, LogLevel.Warning, "Tenant {TenantId}: metric {Name} {Version} failed to materialize: {Error}")]
    public static partial void TenantMetricFailed(ILogger logger, Guid tenantId, string name, string version, string error);

    [LoggerMessage(1404, LogLevel.Information, "Tenant metrics materialized at data version {DataVersion}: {Ok} ok, {Failed} failed in {ElapsedMs} ms")]
    public static partial void TenantMetricsMaterialized(ILogger logger, long dataVersion, int ok, int failed, long elapsedMs);

    [LoggerMessage(1405, LogLevel.Error, "After the refresh, {Follower} failed")]
    public static partial void AfterRefreshFailed(ILogger logger, Exception exception, string follower);
}
