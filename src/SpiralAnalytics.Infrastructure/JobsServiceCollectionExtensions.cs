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

        var connectionString = Prepared(builder.Configuration.GetConnectionString("Owner"));
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

    /// <summary>
    /// Hangfire's connection string with Npgsql's automatic preparation on (unless the operator configured it): Hangfire
    /// runs the same few dozen statements for every job — about thirty from enqueue to its succeeded state — each
    /// unprepared, so parsed and planned every time; prepared, PostgreSQL spends its time executing them. That work follows
    /// every answer on the worker that gave it, on the cores the next question needs.
    /// </summary>
    public static string? Prepared(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return connectionString;
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = HangfireAutoPrepare;
            builder.AutoPrepareMinUsages = 2;
        }

        return builder.ConnectionString;
    }

    /// <summary>How many of Hangfire's statements each pooled connection keeps prepared (more than it has).</summary>
    public const int HangfireAutoPrepare = 64;
}
