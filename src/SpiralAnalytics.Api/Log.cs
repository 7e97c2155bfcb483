namespace SpiralAnalytics.Api;

/// <summary>Every log message of the API, source-generated (event ids 800-849).</summary>
internal static partial class Log
{
    [LoggerMessage(800, LogLevel.Error, "Unhandled error on {Method} {Path}")]
    public static partial void UnhandledError(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(801, LogLevel.Warning, "A required service is unavailable on {Method} {Path}: {Message}")]
    public static partial void ServiceUnavailable(ILogger logger, string method, string path, string message);

    [LoggerMessage(802, LogLevel.Debug, "The client went away during {Method} {Path}")]
    public static partial void ClientCancelled(ILogger logger, string method, string path);

    [LoggerMessage(803, LogLevel.Information, "Bearer token rejected on {Path}: {Reason}")]
    public static partial void TokenRejected(ILogger logger, string path, string reason);
}
