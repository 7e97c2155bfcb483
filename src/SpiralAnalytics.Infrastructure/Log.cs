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
    [LoggerMessage(300, LogLevel.Information, "Refreshed the analytics views: data version {Version} in {Milliseconds} ms")]
    public static partial void AnalyticsRefreshed(ILogger logger, long version, long milliseconds);

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
}
