using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Infrastructure.Jira;

namespace SpiralAnalytics.Infrastructure.Jobs;

/// <summary>At start, adds or updates every recurring job from configuration: the views refresh and each Jira board's sync.</summary>
internal sealed class RecurringJobsRegistration(
    IRecurringJobManager jobs, IOptions<JobOptions> options, IOptions<JiraOptions> jira, ILogger<RecurringJobsRegistration> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        jobs.AddOrUpdate<IAnalyticsRefreshJob>(
            AnalyticsRefreshJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), options.Value.RefreshCron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        Log.RefreshScheduled(logger, options.Value.RefreshCron);
        JiraRecurringJobs.Register(jobs, jira.Value, logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
