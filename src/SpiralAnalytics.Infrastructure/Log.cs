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
}
