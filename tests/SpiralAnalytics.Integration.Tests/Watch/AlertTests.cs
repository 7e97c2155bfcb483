using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Watch;

/// <summary>
/// Alert rules through the API against a real webhook receiver (Kestrel on 127.0.0.1): what fires is checked against
/// SprintOracle's values, each firing arrives once with a valid HMAC signature, failures are retried and recorded, rules that are
/// off deliver nothing, and tenants never see each other's rules or firings.
/// </summary>
public sealed class AlertTests(PostgresServer server)
{
    private const string AsOf = "2024-04-25";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Loopback webhooks allowed (tests only), fast back-off, three attempts.</summary>
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Alerts:AllowPrivateTargets"] = "true",
        ["Alerts:BackoffMilliseconds"] = "20",
        ["Alerts:DeliveryAttempts"] = "3",
        ["Alerts:AttemptTimeoutSeconds"] = "5",
    };

    /// <summary>Each test gets its own tenant (same demo data), so rules and firings of one test never meet another's.</summary>
    private async Task<(ApiFactory Api, string Slug, Guid TenantId, QueryFixture.Seeded Seeded)> TenantAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(AlertTests));
        var slug = TestData.NewSlug("alerts");
        var id = await TestData.CreateTenantAsync(seeded.Db, slug);
        using var host = QueryFixture.Host(seeded.Db);
        await host.Services.GetRequiredService<BundleImporter>().ImportAsync(DemoBundle.Write(42), slug, Ct);
        await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
        return (new ApiFactory(seeded.Db, settings ?? Settings), slug, id, seeded);
    }

    private static async Task<Dictionary<string, (string SprintKey, double? Spillover)>> LatestSpilloverAsync(TestDatabase db, Guid tenant)
    {
        var oracle = await SprintOracle.ReadAsync(db.OwnerConnectionString, tenant, Ct);
        var asOf = new DateTime(2024, 4, 25, 0, 0, 0, DateTimeKind.Utc);
        return oracle.Sprints.Values.Where(s => s.State == "closed" && s.CloseAt <= asOf)
            .GroupBy(s => s.TeamKey)
            .Select(team => team.OrderByDescending(s => s.CloseAt).ThenByDescending(s => s.Key, StringComparer.Ordinal).First())
            .ToDictionary(s => s.TeamName, s => (s.Key, s.Values["spillover_ratio"]));
    }

    private static async Task<(string Id, string Secret)> CreateRuleAsync(HttpClient admin, object body)
    {
        var created = await ApiAssert.OkAsync(await admin.PostJsonAsync("/api/v1/alerts", body), HttpStatusCode.Created);
        return (created.GetProperty("rule").GetProperty("id").GetString()!, created.GetProperty("secret").GetString()!);
    }

    private static async Task<JsonElement> EvaluateAsync(HttpClient admin) =>
        await ApiAssert.OkAsync(await admin.PostAsync($"/api/v1/alerts/evaluate?as_of={AsOf}", null, Ct));

    [Fact]
    public async Task A_rule_fires_once_per_team_sprint_into_the_receiver_with_a_valid_signature()
    {
        var (api, slug, tenantId, seeded) = await TenantAsync();
        await using var _ = api;
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        using var admin = api.CreateClient(slug, SpiralRoles.Admin, "ada");
        var latest = await LatestSpilloverAsync(seeded.Db, tenantId);
        // a threshold between the teams' latest values: some fire, some do not
        var values = latest.Values.Select(v => v.Spillover!.Value).Order().ToList();
        var threshold = (values[0] + values[1]) / 2;
        var (ruleId, secret) = await CreateRuleAsync(admin, new
        {
            spec = new { metrics = new[] { "spillover_ratio" } },
            condition = new { op = "above", value = threshold },
            webhook_url = receiver.Url.ToString(),
        });

        var first = await EvaluateAsync(admin);
        var expected = latest.Where(t => t.Value.Spillover > threshold).Select(t => t.Key).Order().ToList();
        Assert.Equal(expected.Count, first.GetProperty("new_firings").GetArrayLength());
        Assert.Equal(expected, receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("team").GetString()).Order());

        foreach (var hook in receiver.Received)
        {
            var mac = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), hook.Body));
            Assert.Equal(mac, hook.Signature);
            Assert.Equal("application/json", hook.ContentType?.Split(';')[0]);
            var body = JsonDocument.Parse(hook.Body).RootElement;
            Assert.Equal(ruleId, body.GetProperty("rule").GetProperty("id").GetString());
            Assert.Equal(hook.Delivery, body.GetProperty("firing_id").GetString());
            var team = body.GetProperty("team").GetString()!;
            Assert.Equal(latest[team].SprintKey, body.GetProperty("sprint_key").GetString());
            Assert.Equal(latest[team].Spillover!.Value, body.GetProperty("value").GetDouble(), 6);
        }

        // again, and again through the job: the same sprints have fired already, nothing new is sent
        var second = await EvaluateAsync(admin);
        Assert.Equal(0, second.GetProperty("new_firings").GetArrayLength());
        Assert.Equal(expected.Count, receiver.Received.Count);

        var firings = await ApiAssert.OkAsync(await admin.GetAsync("/api/v1/alerts/firings", Ct));
        Assert.Equal(expected.Count, firings.GetArrayLength());
        Assert.All(firings.EnumerateArray(), f =>
        {
            Assert.Equal("delivered", f.GetProperty("delivery_state").GetString());
            Assert.Equal(1, f.GetProperty("attempts").GetInt32());
        });
    }

    [Fact]
    public async Task A_failing_receiver_gets_every_retry_and_each_attempt_is_recorded_as_failed()
    {
        var (api, slug, _, _) = await TenantAsync();
        await using var _ = api;
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        receiver.Status = 503;
        using var admin = api.CreateClient(slug, SpiralRoles.Admin);
        await CreateRuleAsync(admin, new
        {
            spec = new { metrics = new[] { "velocity" }, filters = new[] { new { dimension = "team", op = "eq", values = new[] { "Atlas" } } } },
            condition = new { op = "above", value = -1 },
            webhook_url = receiver.Url.ToString(),
        });

        var report = await EvaluateAsync(admin);

        var firing = Assert.Single(report.GetProperty("new_firings").EnumerateArray());
        var id = firing.GetProperty("id").GetString()!;
        Assert.Equal(3, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Equal(id, r.Delivery));
        Assert.Equal(["1", "2", "3"], receiver.Received.Select(r => r.Attempt));
        var attempts = await ApiAssert.OkAsync(await admin.GetAsync($"/api/v1/alerts/firings/{id}/deliveries", Ct));
        Assert.Equal([1, 2, 3], attempts.EnumerateArray().Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.All(attempts.EnumerateArray(), a =>
        {
            Assert.Equal("failed", a.GetProperty("outcome").GetString());
            Assert.Equal(503, a.GetProperty("status_code").GetInt32());
        });
        var listed = Assert.Single((await ApiAssert.OkAsync(await admin.GetAsync("/api/v1/alerts/firings", Ct))).EnumerateArray());
        Assert.Equal("failed", listed.GetProperty("delivery_state").GetString());

        // a receiver that is not there at all: connection refused is a failure too, retried and recorded
        await receiver.DisposeAsync();
        await CreateRuleAsync(admin, new
        {
            spec = new { metrics = new[] { "velocity" }, filters = new[] { new { dimension = "team", op = "eq", values = new[] { "Orion" } } } },
            condition = new { op = "above", value = -1 },
            webhook_url = receiver.Url.ToString(),
        });
        var gone = Assert.Single((await EvaluateAsync(admin)).GetProperty("new_firings").EnumerateArray());
        var goneAttempts = await ApiAssert.OkAsync(await admin.GetAsync($"/api/v1/alerts/firings/{gone.GetProperty("id").GetString()}/deliveries", Ct));
        Assert.Equal(3, goneAttempts.GetArrayLength());
        Assert.All(goneAttempts.EnumerateArray(), a => Assert.Equal(JsonValueKind.Null, a.GetProperty("status_code").ValueKind));
    }

    [Fact]
    public async Task A_disabled_rule_fires_and_delivers_nothing_until_it_is_enabled()
    {
        var (api, slug, _, _) = await TenantAsync();
        await using var _ = api;
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        using var admin = api.CreateClient(slug, SpiralRoles.Admin);
        var (id, _) = await CreateRuleAsync(admin, new
        {
            spec = new { metrics = new[] { "velocity" } },
            condition = new { op = "above", value = -1 },
            webhook_url = receiver.Url.ToString(),
            enabled = false,
        });

        Assert.Equal(0, (await EvaluateAsync(admin)).GetProperty("new_firings").GetArrayLength());
        Assert.Empty(receiver.Received);
        Assert.Equal(0, (await ApiAssert.OkAsync(await admin.GetAsync("/api/v1/alerts/firings", Ct))).GetArrayLength());

        await ApiAssert.OkAsync(await admin.PostAsync($"/api/v1/alerts/{id}/enable", null, Ct));
        Assert.Equal(3, (await EvaluateAsync(admin)).GetProperty("new_firings").GetArrayLength());
        Assert.Equal(3, receiver.Received.Count);

        // off again: a later evaluation adds nothing
        await ApiAssert.OkAsync(await admin.PostAsync($"/api/v1/alerts/{id}/disable", null, Ct));
        Assert.Equal(0, (await EvaluateAsync(admin)).GetProperty("rules").GetInt32());
    }

    [Fact]
    public async Task Tenants_never_see_or_touch_each_others_rules_firings_or_deliveries()
    {
        var (api, slugA, tenantA, seeded) = await TenantAsync();
        await using var _ = api;
        var slugB = TestData.NewSlug("alerts-b");
        var tenantB = await TestData.CreateTenantAsync(seeded.Db, slugB);
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        using var adminA = api.CreateClient(slugA, SpiralRoles.Admin);
        var (ruleA, _) = await CreateRuleAsync(adminA, new
        {
            spec = new { metrics = new[] { "velocity" } }, condition = new { op = "above", value = -1 }, webhook_url = receiver.Url.ToString(),
        });
        var firingA = (await EvaluateAsync(adminA)).GetProperty("new_firings")[0].GetProperty("id").GetString()!;

        // through the API: B's admin and viewer see nothing of A's and get 404s for A's ids
        using var adminB = api.CreateClient(slugB, SpiralRoles.Admin);
        Assert.Equal(0, (await ApiAssert.OkAsync(await adminB.GetAsync("/api/v1/alerts", Ct))).GetArrayLength());
        Assert.Equal(0, (await ApiAssert.OkAsync(await adminB.GetAsync("/api/v1/alerts/firings", Ct))).GetArrayLength());
        await ApiAssert.ProblemAsync(await adminB.GetAsync($"/api/v1/alerts/{ruleA}", Ct), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await adminB.PostAsync($"/api/v1/alerts/{ruleA}/disable", null, Ct), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await adminB.DeleteAsync($"/api/v1/alerts/{ruleA}", Ct), HttpStatusCode.NotFound);
        await ApiAssert.ProblemAsync(await adminB.GetAsync($"/api/v1/alerts/firings/{firingA}/deliveries", Ct), HttpStatusCode.NotFound);

        // in the database: RLS, whatever the SQL says
        foreach (var table in new[] { "alert_rules", "alert_firings", "alert_deliveries" })
        {
            await using var session = await TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, tenantB, Ct);
            await using var hostile = session.Command($"SELECT count(*) FROM {table} WHERE tenant_id = $1 OR true");
            hostile.Parameters.Add(new NpgsqlParameter { Value = tenantA });
            Assert.Equal(0L, await hostile.ExecuteScalarAsync(Ct));
            await using var update = session.Command($"UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = $1");
            update.Parameters.Add(new NpgsqlParameter { Value = tenantA });
            Assert.Equal(0, await update.ExecuteNonQueryAsync(Ct));
            Assert.True(await TestData.OwnerCountAsync(seeded.Db, table, tenantA) > 0, $"{table} should hold tenant A's rows");
        }

        await using (var session = await TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, tenantB, Ct))
        {
            await using var insert = session.Command(
                "INSERT INTO alert_rules (tenant_id, name, spec, condition, secret, created_by) VALUES ($1, 'x', '{}', '{}', repeat('s', 40), 'mallory')");
            insert.Parameters.Add(new NpgsqlParameter { Value = tenantA });
            var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync(Ct));
            Assert.Equal("42501", error.SqlState);
        }

        await using (var check = new NpgsqlConnection(seeded.Db.OwnerConnectionString))
        {
            await check.OpenAsync(Ct);
            await using var forced = new NpgsqlCommand(
                "SELECT count(*) FROM pg_class WHERE relname IN ('alert_rules', 'alert_firings', 'alert_deliveries') AND relrowsecurity AND relforcerowsecurity", check);
            Assert.Equal(3L, await forced.ExecuteScalarAsync(Ct));
        }
    }

    [Fact]
    public async Task Viewers_read_admins_write_and_bad_rules_are_400s_naming_the_field()
    {
        var (api, slug, _, _) = await TenantAsync(new Dictionary<string, string?>());
        await using var _ = api;
        using var viewer = api.CreateClient(slug, SpiralRoles.Viewer);
        using var lead = api.CreateClient(slug, SpiralRoles.Lead);
        using var admin = api.CreateClient(slug, SpiralRoles.Admin);
        var rule = new { spec = new { metrics = new[] { "velocity" } }, condition = new { op = "below", value = 10 } };

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/alerts", Ct)).StatusCode);
        await ApiAssert.ProblemAsync(await viewer.PostJsonAsync("/api/v1/alerts", rule), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await lead.PostJsonAsync("/api/v1/alerts", rule), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await lead.PostAsync("/api/v1/alerts/evaluate", null, Ct), HttpStatusCode.Forbidden);

        var badOp = await ApiAssert.ProblemAsync(await admin.PostJsonAsync("/api/v1/alerts",
            new { spec = new { metrics = new[] { "velocity" }, time = new { type = "last_sprints", n = 3 } }, condition = new { op = "sideways", value = 1 } }),
            HttpStatusCode.BadRequest);
        Assert.Equal(["spec.time", "condition.op"], badOp.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()));
        var badMetric = await ApiAssert.ProblemAsync(await admin.PostJsonAsync("/api/v1/alerts",
            new { spec = new { metrics = new[] { "velocty" } }, condition = new { op = "above", value = 1 } }), HttpStatusCode.BadRequest);
        Assert.Equal("spec.metrics[0]", badMetric.GetProperty("errors")[0].GetProperty("path").GetString());

        // without Alerts:AllowPrivateTargets, loopback and private targets are refused, and so is anything but http(s)
        foreach (var url in new[] { "http://127.0.0.1:9/hook", "http://localhost/x", "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/latest", "ftp://example.com/x" })
        {
            var refused = await ApiAssert.ProblemAsync(await admin.PostJsonAsync("/api/v1/alerts", new { rule.spec, rule.condition, webhook_url = url }), HttpStatusCode.BadRequest);
            Assert.StartsWith("webhook_url:", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, (await ApiAssert.OkAsync(await admin.GetAsync("/api/v1/alerts", Ct))).GetArrayLength());
    }

    [Fact]
    public async Task A_plain_language_rule_goes_through_the_translator_and_an_unclear_one_gets_a_clarification()
    {
        var (api, slug, _, _) = await TenantAsync();
        await using var _ = api;
        using var admin = api.CreateClient(slug, SpiralRoles.Admin);

        var created = await ApiAssert.OkAsync(await admin.PostJsonAsync("/api/v1/alerts",
            new { question = "tell me when Phoenix's spillover is above 20% two sprints running" }), HttpStatusCode.Created);
        var rule = created.GetProperty("rule");
        Assert.Equal("""{"metrics":["spillover_ratio"],"filters":[{"dimension":"team","op":"eq","values":["Phoenix"]}]}""", rule.GetProperty("spec").GetRawText());
        Assert.Equal("above", rule.GetProperty("condition").GetProperty("op").GetString());
        Assert.Equal(0.2, rule.GetProperty("condition").GetProperty("value").GetDouble());
        Assert.Equal(2, rule.GetProperty("condition").GetProperty("sprints").GetInt32());

        var unusual = await ApiAssert.OkAsync(await admin.PostJsonAsync("/api/v1/alerts", new { question = "alert me when Orion's blocked time is unusual" }), HttpStatusCode.Created);
        Assert.Equal("abs_z_above", unusual.GetProperty("rule").GetProperty("condition").GetProperty("op").GetString());

        var unclear = await ApiAssert.OkAsync(await admin.PostJsonAsync("/api/v1/alerts", new { question = "tell me about Atlas velocity" }));
        Assert.Contains("when to alert", unclear.GetProperty("clarification").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(0, unclear.GetProperty("clarification").GetProperty("options").GetArrayLength());
        Assert.Equal(2, (await ApiAssert.OkAsync(await admin.GetAsync("/api/v1/alerts", Ct))).GetArrayLength());
    }
}
