using System.Reflection;
using Hangfire;
using Hangfire.Common;
using SpiralAnalytics.Infrastructure.Jira;

namespace SpiralAnalytics.Integration.Tests.Jira;

/// <summary>The schedule: one recurring Hangfire job per configured tenant and board, with an explicit retry policy.</summary>
public sealed class JiraRecurringJobsTests
{
    [Fact]
    public void Register_adds_one_recurring_sync_per_configured_board()
    {
        var options = new JiraOptions
        {
            Url = "https://example.atlassian.net",
            Schedules =
            [
                new JiraScheduledBoard { Tenant = "acme", Board = 8 },
                new JiraScheduledBoard { Tenant = "acme", Board = 93, Cron = "*/15 * * * *" },
                new JiraScheduledBoard { Tenant = "globex", Board = 8, Url = "https://globex.atlassian.net" },
            ],
        };
        var jobs = new RecordingJobManager();

        var ids = JiraRecurringJobs.Register(jobs, options);

        Assert.Equal(["jira-sync:acme:board-8", "jira-sync:acme:board-93", "jira-sync:globex:board-8"], ids);
        Assert.Equal(ids, jobs.Added.Select(a => a.Id));
        Assert.Equal(["0 * * * *", "*/15 * * * *", "0 * * * *"], jobs.Added.Select(a => a.Cron));
        Assert.All(jobs.Added, a =>
        {
            Assert.Equal(typeof(IJiraSyncJob), a.Job.Type);
            Assert.Equal(nameof(IJiraSyncJob.RunAsync), a.Job.Method.Name);
            Assert.Equal(TimeZoneInfo.Utc, a.Options.TimeZone);
        });
        Assert.Equal([("acme", 8L), ("acme", 93L), ("globex", 8L)], jobs.Added.Select(a => ((string)a.Job.Args[0], (long)a.Job.Args[1])));
    }

    [Fact]
    public void Job_ids_are_stable_so_registering_again_updates_instead_of_adding()
    {
        var options = new JiraOptions { Url = "https://example.atlassian.net", Schedules = [new JiraScheduledBoard { Tenant = "acme", Board = 8 }] };
        var jobs = new RecordingJobManager();

        JiraRecurringJobs.Register(jobs, options);
        JiraRecurringJobs.Register(jobs, options);

        Assert.Single(jobs.Added.Select(a => a.Id).Distinct());
    }

    [Fact]
    public void The_sync_job_declares_its_retry_policy_where_Hangfire_reads_it()
    {
        var method = typeof(IJiraSyncJob).GetMethod(nameof(IJiraSyncJob.RunAsync))!;

        // Read as data: constructing AutomaticRetryAttribute logs through Hangfire's process-wide log provider, which may
        // belong to another test's host that is already disposed.
        var retry = method.GetCustomAttributesData().Single(a => a.AttributeType == typeof(AutomaticRetryAttribute));
        var named = retry.NamedArguments.ToDictionary(a => a.MemberName, a => a.TypedValue.Value);

        Assert.Equal(3, named[nameof(AutomaticRetryAttribute.Attempts)]);
        Assert.Equal((int)AttemptsExceededAction.Fail, named[nameof(AutomaticRetryAttribute.OnAttemptsExceeded)]);
        Assert.Equal(typeof(CancellationToken), method.GetParameters()[^1].ParameterType);
    }

    private sealed class RecordingJobManager : IRecurringJobManager
    {
        public List<(string Id, Job Job, string Cron, RecurringJobOptions Options)> Added { get; } = [];

        public void AddOrUpdate(string recurringJobId, Job job, string cronExpression, RecurringJobOptions options) =>
            Added.Add((recurringJobId, job, cronExpression, options));

        public void Trigger(string recurringJobId) => throw new NotSupportedException();

        public void RemoveIfExists(string recurringJobId) => Added.RemoveAll(a => a.Id == recurringJobId);
    }
}
