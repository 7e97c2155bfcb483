using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using SpiralAnalytics.Integration.Tests.Ask;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Hardening;

/// <summary>Issue #13: under the ask rate limit a client is told when to retry, and every accepted ask of a burst completes.</summary>
[Collection(HangfireCollection.Name)]
public sealed class AskBurstTests(PostgresServer server)
{
    private const int PermitLimit = 100;
    private const string Spec = """{"metrics":["spillover_ratio","velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""";

    [Fact]
    public async Task A_burst_of_300_asks_from_two_tenants_gets_Retry_After_on_429_and_completes_every_accepted_ask()
    {
        var ct = TestContext.Current.CancellationToken;
        var seeded = await AskFixture.SeededAsync(server, nameof(AskBurstTests));
        await using var api = AskFixture.Api(seeded.Db, new TestTranslator(), workers: 2, settings: new Dictionary<string, string?>
        {
            ["RateLimits:Ask:PermitLimit"] = PermitLimit.ToString(CultureInfo.InvariantCulture),
            ["RateLimits:Ask:WindowSeconds"] = "300",
        });
        var clients = new[] { AskFixture.Client(api, seeded.Slug), AskFixture.Client(api, seeded.Other) };
        var accepted = new ConcurrentBag<(int Tenant, string EventsUrl)>();
        var refused = new ConcurrentBag<(int Tenant, string? RetryAfter, int Status)>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 300), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, token) =>
        {
            var tenant = i % 2;
            using var response = await clients[tenant].PostAsJsonAsync("/api/v1/ask",
                new JsonObject { ["question"] = AskFixture.Question(Spec), ["as_of"] = AskFixture.AsOfText }, token);
            var body = await response.Content.ReadAsStringAsync(token);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted.Add((tenant, JsonNode.Parse(body)!["events_url"]!.GetValue<string>()));
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.Equal(429, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
                refused.Add((tenant, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture), (int)response.StatusCode));
            }
        });

        Assert.Equal(300, accepted.Count + refused.Count);
        foreach (var tenant in new[] { 0, 1 })
        {
            Assert.Equal(PermitLimit, accepted.Count(a => a.Tenant == tenant)); // one window of 300 s: exactly the limit each
            Assert.Equal(150 - PermitLimit, refused.Count(r => r.Tenant == tenant));
        }

        Assert.All(refused, r => Assert.InRange(double.Parse(r.RetryAfter ?? "0", CultureInfo.InvariantCulture), 1, 300));

        var finals = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(accepted, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (a, _) =>
        {
            var events = await Sse.AllAsync(clients[a.Tenant], a.EventsUrl, timeout: TimeSpan.FromMinutes(4));
            finals.Add(events[^1].Type);
        });
        Assert.Equal(2 * PermitLimit, finals.Count);
        Assert.All(finals, f => Assert.Equal("completed", f));
    }
}
