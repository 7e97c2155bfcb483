using Microsoft.Extensions.Logging;

namespace SpiralAnalytics.Infrastructure;

/// <summary>Health overview and alerts (1200-1229).</summary>
internal static partial class Log
{
    [LoggerMessage(1200, LogLevel.Warning, "Overview provider {Provider} failed for tenant {Tenant}; its card shows the error")]
    public static partial void OverviewProviderFailed(ILogger logger, Exception exception, string provider, string tenant);

    [LoggerMessage(1201, LogLevel.Warning, "Overview provider {Provider} timed out for tenant {Tenant} after {Seconds} s; its card shows the error")]
    public static partial void OverviewProviderTimedOut(ILogger logger, string provider, string tenant, int seconds);

    [LoggerMessage(1202, LogLevel.Debug, "Overview provider {Provider} answered for tenant {Tenant} in {Milliseconds} ms")]
    public static partial void OverviewProviderComputed(ILogger logger, string provider, string tenant, long milliseconds);

    [LoggerMessage(1210, LogLevel.Information, "Alerts of tenant {Tenant}: {Rules} rule(s) evaluated, {Fired} new firing(s) in {Milliseconds} ms")]
    public static partial void AlertsEvaluated(ILogger logger, string tenant, int rules, int fired, long milliseconds);

    [LoggerMessage(1211, LogLevel.Warning, "Alert rule {Rule} of tenant {Tenant} could not be evaluated: {Reason}")]
    public static partial void AlertRuleBroken(ILogger logger, Guid rule, string tenant, string reason);

    [LoggerMessage(1212, LogLevel.Information, "Alert firing {Firing} delivered to its webhook on attempt {Attempt} (HTTP {Status})")]
    public static partial void AlertDelivered(ILogger logger, Guid firing, int attempt, int status);

    [LoggerMessage(1213, LogLevel.Warning, "Alert firing {Firing}: webhook attempt {Attempt} of {Attempts} failed ({Reason})")]
    public static partial void AlertDeliveryAttemptFailed(ILogger logger, Guid firing, int attempt, int attempts, string reason);

    [LoggerMessage(1214, LogLevel.Warning, "Alert firing {Firing} was not delivered after {Attempts} attempt(s)")]
    public static partial void AlertDeliveryGaveUp(ILogger logger, Guid firing, int attempts);

    [LoggerMessage(1215, LogLevel.Information, "Analytics refreshed (data version {Version}): alert evaluation enqueued as job {Job}")]
    public static partial void AlertEvaluationEnqueued(ILogger logger, long version, string job);
}
