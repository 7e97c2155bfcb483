namespace SpiralAnalytics.Api;

/// <summary>The MCP server's log messages (event ids 840-849 of the API's range).</summary>
internal static partial class Log
{
    [LoggerMessage(840, LogLevel.Information, "MCP {Tool} for tenant {Tenant}: job {JobId} {Status} in {ElapsedMs} ms")]
    public static partial void McpJobFinished(ILogger logger, string tool, string tenant, Guid jobId, string status, long elapsedMs);

    [LoggerMessage(841, LogLevel.Information, "MCP {Tool} for tenant {Tenant} refused: {Reason}")]
    public static partial void McpRefused(ILogger logger, string tool, string tenant, string reason);

    [LoggerMessage(842, LogLevel.Warning, "MCP query job {JobId} failed: {Message}")]
    public static partial void McpQueryFailed(ILogger logger, Exception exception, Guid jobId, string message);

    [LoggerMessage(843, LogLevel.Information, "MCP ask job {JobId} still {Status} after {WaitSeconds} s; answered with the job id")]
    public static partial void McpAskStillRunning(ILogger logger, Guid jobId, string status, int waitSeconds);
}
