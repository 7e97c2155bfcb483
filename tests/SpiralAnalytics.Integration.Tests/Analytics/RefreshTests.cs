using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Jobs;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Analytics;

[Collection(HangfireCollection.Name)]
public sealed class RefreshTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Spiral_refresh_prints_the_new_data_version_and_each_refresh_bumps_it()
    {
        var db = await server.DatabaseAsync(nameof(RefreshTests));
        var before = await AnalyticsRefresher.DataVersionAsync(db.DataSources.Runtime, Ct);

        var first = await TestData.CliAsync(db, "refresh");
        var second = await TestData.CliAsync(db, "refresh");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains($"data version {before + 1}", first.Out);
        Assert.Contains($"data version {before + 2}", second.Out);
        foreach (var view in AnalyticsRefresher.MaterializedViews)
        {
            Assert.Contains(view, first.Error);
        }
    }

    [Fact]
    public async Task Refresh_of_an_unknown_tenant_is_a_user_error()
    {
        var db = await server.DatabaseAsync(nameof(RefreshTests));

        var run = await TestData.CliAsync(db, "refresh", "--tenant", "nobody-here");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("tenant 'nobody-here' does not exist", run.Error);
    }

    [Fact]
    public async Task A_refresh_picks_up_new_data()
    {
        var db = await server.DatabaseAsync(nameof(RefreshTests));
        var slug = TestData.NewSlug("fresh");
        var tenant = await TestData.CreateTenantAsync(db, slug);
        await TestData.CliAsync(db, "import", "csv", SmallBundle.Write(), "--tenant", slug);
        Assert.Equal(0L, await CountAsync(db, tenant, "issue_flow"));

        await TestData.CliAsync(db, "refresh");

        Assert.Equal(4L, await CountAsync(db, tenant, "issue_flow"));
    }

    [Fact]
    public async Task Queries_keep_working_while_a_refresh_holds_its_lock()
    {
        var db = await server.DatabaseAsync(nameof(RefreshTests));
        var slug = TestData.NewSlug("busy");
        var tenant = await TestData.CreateTenantAsync(db, slug);
        await TestData.CliAsync(db, "import", "csv", SmallBundle.Write(), "--tenant", slug);
        await TestData.CliAsync(db, "refresh");
        await using var refresher = new NpgsqlConnection(db.OwnerConnectionString);
        await refresher.OpenAsync(Ct);
        await using var refreshing = await refresher.BeginTransactionAsync(Ct);
        // What a refresh runs on a view (AnalyticsViews): every row deleted and written again, in the refresh's transaction.
        var view = AnalyticsViews.All.Single(v => v.Name == "mv_sprint_stats");
        long rows;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM {view.Name}", refresher, refreshing))
        {
            rows = (long)(await count.ExecuteScalarAsync(Ct))!; // every tenant's sprints (other tests of this class share the database)
        }

        await using (var refresh = new NpgsqlCommand($"{view.DeleteAllSql}; {view.RebuildSql}", refresher, refreshing))
        {
            Assert.Equal(2 * rows, await refresh.ExecuteNonQueryAsync(Ct));
        }

        Assert.True(rows >= 1);

        // The refresh's lock is still held (its transaction is open); a reader must not wait for it.
        await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct);
        await using (var timeout = session.Command("SET LOCAL lock_timeout = '2s'"))
        {
            await timeout.ExecuteNonQueryAsync(Ct);
        }

        await using var read = session.Command("SELECT count(*) FROM sprint_stats");
        Assert.Equal(1L, await read.ExecuteScalarAsync(Ct));
        await refreshing.CommitAsync(Ct);
    }

    [Fact]
    public async Task The_API_schedules_the_refresh_from_configuration_and_the_job_refreshes()
    {
        var db = await server.DatabaseAsync(nameof(RefreshTests) + "Jobs");
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in db.Configuration)
            {
                b.UseSetting(key, value);
            }

            b.UseSetting("Auth:SigningKey", ApiFactory.SigningKey);
            b.UseSetting("Jobs:RefreshCron", "*/5 * * * *");
            b.UseSetting("Jobs:Workers", "1");
        });
        _ = factory.CreateClient();
        var storage = factory.Services.GetRequiredService<JobStorage>();
        using (var connection = storage.GetConnection())
        {
            var job = Assert.Single(connection.GetRecurringJobs(), j => j.Id == AnalyticsRefreshJob.RecurringJobId);
            Assert.Equal("*/5 * * * *", job.Cron);
        }

        var before = await AnalyticsRefresher.DataVersionAsync(db.DataSources.Runtime, Ct);
        factory.Services.GetRequiredService<IRecurringJobManager>().Trigger(AnalyticsRefreshJob.RecurringJobId);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (await AnalyticsRefresher.DataVersionAsync(db.DataSources.Runtime, deadline.Token) == before)
        {
            await Task.Delay(100, deadline.Token);
        }
    }

    private static async Task<long> CountAsync(TestDatabase db, Guid tenant, string view)
    {
        await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct);
        await using var command = session.Command($"SELECT count(*) FROM {view}");
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
