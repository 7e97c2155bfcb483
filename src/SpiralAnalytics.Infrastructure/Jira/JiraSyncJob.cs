using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Analytics;

namespace SpiralAnalytics.Infrastructure.Jira;

/// <summary>
/// The scheduled Jira sync as Hangfire sees it. Hangfire reads filter attributes from the type it stores — this
/// interface — so the retry policy is declared here: a few slow retries for an unreachable or rate-limiting Jira,
/// then the job fails visibly; the next scheduled run starts again from the last committed sync.
/// </summary>
public interface IJiraSyncJob
{
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [60, 300, 900], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    Task RunAsync(string tenant, long boardId, CancellationToken ct);
}

/// <summary>Syncs one configured board (<c>Jira:Schedules</c>) with the site and credentials configured for it.</summary>
public sealed class JiraSyncJob(JiraSync sync, AnalyticsRefresher refresher, IOptions<JiraOptions> options, ILogger<JiraSyncJob> logger) : IJiraSyncJob
{
    public async Task RunAsync(string tenant, long boardId, CancellationToken ct)
    {
        var settings = options.Value;
        var schedule = settings.Schedules.FirstOrDefault(s => s.Tenant == tenant && s.Board == boardId)
            ?? throw new NotFoundException($"board {boardId} of tenant '{tenant}' is not in Jira:Schedules");
        var credentials = JiraCredentials.Resolve(schedule.Email, schedule.ApiTokenFile, schedule.PersonalAccessTokenFile, settings);
        var report = await sync.SyncAsync(
            new JiraSyncRequest(tenant, schedule.Url ?? settings.Url!, boardId, credentials), progress: null, ct);
        Log.JiraScheduledSyncFinished(logger, boardId, tenant, report.Issues, report.ChangedAnything);
        if (report.ChangedAnything)
        {
            await refresher.RefreshAsync(progress: null, ct);
        }
    }
}
