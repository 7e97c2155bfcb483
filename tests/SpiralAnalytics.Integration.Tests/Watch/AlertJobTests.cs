using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Watch;

/// <summary>The whole path with Hangfire on: a refresh enqueues the evaluation job, which enqueues one delivery job per new firing.</summary>
[Collection(HangfireCollection.Name)]
public sealed class AlertJobTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_refresh_enqueues_the_evaluation_and_each_new_firing_is_delivered_once_by_a_job()
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(AlertJobTests));
        var logs = new ListLoggerProvider();
        await using var api = new ApiFactory(seeded.Db, new Dictionary<string, string?>
        {
            ["Jobs:Enabled"] = "true",
            ["Jobs:Workers"] = "2",
            ["Jobs:QueuePollMilliseconds"] = "200",
            ["Jobs:SchedulePollSeconds"] = "1",
            ["Jobs:RefreshCron"] = "0 0 1 1 *",
            ["Alerts:AllowPrivateTargets"] = "true",
            ["Alerts:BackoffMilliseconds"] = "20",
        });
        await using var withLogs = api.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        using var admin = withLogs.CreateClient();
        // the token from the same host: touching api.Services would start a second host with its own Hangfire server
        admin.DefaultRequestHeaders.Authorization = new("Bearer", withLogs.Services.GetRequiredService<TokenIssuer>().Create(seeded.Slug, SpiralRoles.Admin, null));
        // every team's latest closed sprint fires (velocity is never below 0)
        var created = await admin.PostJsonAsync("/api/v1/alerts", new
        {
            spec = new { metrics = new[] { "velocity" } }, condition = new { op = "above", value = -1 }, webhook_url = receiver.Url.ToString(),
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var refresher = withLogs.Services.GetRequiredService<AnalyticsRefresher>();
        await refresher.RefreshAsync(null, Ct);
        await receiver.WaitForAsync(3, TimeSpan.FromSeconds(90), Ct);
        Assert.Contains(logs.Entries, e => e.EventId == 1215);

        // a second refresh evaluates again: the same sprints have fired, so nothing more is delivered
        var evaluations = logs.Entries.Count(e => e.EventId == 1210);
        await refresher.RefreshAsync(null, Ct);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (logs.Entries.Count(e => e.EventId == 1210) <= evaluations)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), "the second evaluation did not run");
            await Task.Delay(100, Ct);
        }

        Assert.Contains("0 new firing(s)", logs.Entries.Last(e => e.EventId == 1210).Message, StringComparison.Ordinal);
        Assert.Equal(3, receiver.Received.Count);
        Assert.Equal(3, receiver.Received.Select(r => r.Delivery).Distinct().Count());
    }
}
