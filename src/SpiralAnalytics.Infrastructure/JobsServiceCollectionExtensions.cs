using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Infrastructure.Jobs;

namespace SpiralAnalytics.Infrastructure;

public static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// Hangfire on PostgreSQL (its own schema, owned by the owner role), a server with <c>Jobs:Workers</c> workers
    /// and the recurring jobs — unless <c>Jobs:Enabled</c> is false. The job classes are registered either way.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddTransient<IAnalyticsRefreshJob, AnalyticsRefreshJob>();
        var options = builder.Configuration.GetSection(JobOptions.Section).Get<JobOptions>() ?? new JobOptions();
        if (!options.Enabled)
        {
            return builder;
        }

        var connectionString = builder.Configuration.GetConnectionString("Owner");
        builder.Services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                storage => storage.UseNpgsqlConnection(connectionString),
                new PostgreSqlStorageOptions
                {
                    SchemaName = options.Schema,
                    PrepareSchemaIfNecessary = true,
                    // off unless asked for (JobOptions.LongPolling: its listener can leave a worker stuck on a fetched job);
                    // a job enqueued in this process wakes a worker at once anyway, one from another node waits for the poll
                    EnableLongPolling = options.LongPolling,
                    QueuePollInterval = TimeSpan.FromMilliseconds(options.QueuePollMilliseconds),
                    // a node that dies mid-job hands the job on after this long (a hard bound: see JobOptions)
                    InvisibilityTimeout = TimeSpan.FromSeconds(options.InvisibilityTimeoutSeconds),
                }));
        builder.Services.AddHangfireServer(server =>
        {
            server.WorkerCount = options.Workers;

            // questions first: a long refresh or Jira sync on the default queue never holds an ask up for long
            server.Queues = [Ask.AskJob.Queue, "default"];
            // a retried ask (transient database error) is a scheduled job: pick it up within seconds, not Hangfire's 15 s
            server.SchedulePollingInterval = TimeSpan.FromSeconds(options.SchedulePollSeconds);
        });
        builder.Services.AddHostedService<RecurringJobsRegistration>();
        return builder;
    }
}
