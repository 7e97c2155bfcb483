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
}
