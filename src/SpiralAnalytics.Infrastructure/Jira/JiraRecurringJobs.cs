using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SpiralAnalytics.Infrastructure.Jira;

/// <summary>One recurring Hangfire job per board in <c>Jira:Schedules</c>; the Hangfire server and storage are wired elsewhere.</summary>
public static class JiraRecurringJobs
{
    public static string JobId(string tenant, long boardId) => $"jira-sync:{tenant}:board-{boardId}";

    /// <summary>Adds or updates the recurring sync of every configured board (cron in UTC) and returns the job ids.</summary>
    public static IReadOnlyList<string> Register(IRecurringJobManager jobs, JiraOptions options, ILogger? logger = null)
    {
        var ids = new List<string>();
        foreach (var schedule in options.Schedules)
        {
            var id = JobId(schedule.Tenant, schedule.Board);
            var tenant = schedule.Tenant;
            var board = schedule.Board;
            jobs.AddOrUpdate<IJiraSyncJob>(id, job => job.RunAsync(tenant, board, CancellationToken.None), schedule.Cron,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
            Log.JiraSyncScheduled(logger ?? NullLogger.Instance, id, tenant, board, schedule.Cron);
            ids.Add(id);
        }

        return ids;
    }
}
