using Hangfire;
using SpiralAnalytics.Infrastructure.Analytics;

namespace SpiralAnalytics.Infrastructure.Jobs;

/// <summary>
/// The recurring refresh of the analytics views as Hangfire stores it (filters are read from this interface).
/// A failed refresh is retried twice (a transient database error); overlapping runs are not started.
/// </summary>
public interface IAnalyticsRefreshJob
{
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [30, 120], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [DisableConcurrentExecution(timeoutInSeconds: 3600)]
    Task RunAsync(CancellationToken ct);
}

public sealed class AnalyticsRefreshJob(AnalyticsRefresher refresher) : IAnalyticsRefreshJob
{
    public const string RecurringJobId = "analytics-refresh";

    public Task RunAsync(CancellationToken ct) => refresher.RefreshAsync(progress: null, ct);
}
