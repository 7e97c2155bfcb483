using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using SpiralAnalytics.Api;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Api;

/// <summary>The OpenAPI document and its UI, the ask rate-limit policy, the Hangfire dashboard and readiness.</summary>
[Collection(HangfireCollection.Name)]
public sealed class PlatformApiTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenAPI_document_lists_the_endpoints_with_the_bearer_scheme()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(PlatformApiTests));
        using var client = api.CreateClient();

        var document = await ApiAssert.OkAsync(await client.GetAsync("/openapi/v1.json", Ct));

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[]
        {
            "/api/v1/query", "/api/v1/metrics", "/api/v1/metrics/search", "/api/v1/metrics/{name}", "/api/v1/metrics/{name}/versions",
            "/api/v1/admin/metrics", "/api/v1/admin/metrics/{name}", "/api/v1/admin/metrics/{name}/activate", "/api/v1/admin/metrics/{name}/archive",
            "/api/v1/operator/metrics", "/api/v1/operator/metrics/{name}", "/api/v1/operator/metrics/{name}/deprecate",
            "/api/v1/conversations", "/api/v1/conversations/{id}/messages", "/api/v1/jobs/{id}/feedback", "/api/v1/me",
        })
        {
            Assert.Contains(path, paths);
        }

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.Equal("JWT", scheme.GetProperty("bearerFormat").GetString());
    }

    [Fact]
    public async Task Documentation_page_loads_its_script_from_the_API_not_a_CDN()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(PlatformApiTests));
        using var client = api.CreateClient();

        var page = await client.GetAsync("/docs", Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]*src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        Assert.All(scripts, src => Assert.DoesNotMatch("^(https?:)?//", src));
        foreach (var src in scripts)
        {
            var url = src.StartsWith('/') ? src : "/docs/" + src;
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url, Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task Ask_policy_limits_each_tenant_separately_and_answers_429_with_Retry_After()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(PlatformApiTests),
            new Dictionary<string, string?> { ["RateLimits:Ask:PermitLimit"] = "2", ["RateLimits:Ask:WindowSeconds"] = "60" });
        HttpContext For(string tenant) => new DefaultHttpContext
        {
            RequestServices = api.Services,
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(TokenClaims.Tenant, tenant)], "test")),
        };
        var acme = RateLimits.AskPartition(For("acme"));
        var globex = RateLimits.AskPartition(For("globex"));
        using var acmeLimiter = acme.Factory(acme.PartitionKey);
        using var globexLimiter = globex.Factory(globex.PartitionKey);

        Assert.NotEqual(acme.PartitionKey, globex.PartitionKey);
        Assert.True(acmeLimiter.AttemptAcquire().IsAcquired);
        Assert.True(acmeLimiter.AttemptAcquire().IsAcquired);
        using var refused = acmeLimiter.AttemptAcquire();
        Assert.False(refused.IsAcquired);
        Assert.True(globexLimiter.AttemptAcquire().IsAcquired);

        var context = For("acme");
        context.Response.Body = new MemoryStream();
        await RateLimits.OnRejectedAsync(new OnRejectedContext { HttpContext = context, Lease = refused }, Ct);
        Assert.Equal(429, context.Response.StatusCode);
        Assert.InRange(int.Parse(context.Response.Headers.RetryAfter!, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        context.Response.Body.Position = 0;
        var problem = await JsonDocument.ParseAsync(context.Response.Body, cancellationToken: Ct);
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Hangfire_dashboard_is_for_the_operator_only_by_header_or_access_token()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(PlatformApiTests) + "_jobs",
            new Dictionary<string, string?> { ["Jobs:Enabled"] = "true", ["Jobs:Workers"] = "1" });
        using var anonymous = api.CreateClient();
        using var lead = api.CreateClient("acme", SpiralRoles.Lead);
        using var admin = api.CreateClient("evil", SpiralRoles.Admin);
        using var browserAdmin = api.CreateClient("evil", SpiralRoles.Admin);
        browserAdmin.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        using var @operator = api.CreateClient(api.Tokens.CreateOperator("ops"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/hangfire", Ct)).StatusCode);
        await ApiAssert.ProblemAsync(await lead.GetAsync("/hangfire", Ct), HttpStatusCode.Forbidden);
        // issue #13: a tenant admin read every tenant's jobs and re-ran them; a browser got a 500 instead of the 403
        await ApiAssert.ProblemAsync(await admin.GetAsync("/hangfire", Ct), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await browserAdmin.GetAsync("/hangfire", Ct), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await admin.GetAsync("/hangfire/jobs/details/1", Ct), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await admin.PostAsync("/hangfire/jobs/succeeded/requeue", new FormUrlEncodedContent([new("jobs[]", "1")]), Ct), HttpStatusCode.Forbidden);
        await ApiAssert.ProblemAsync(await anonymous.GetAsync($"/hangfire?access_token={api.Token("evil", SpiralRoles.Admin)}", Ct), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await @operator.GetAsync("/hangfire", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await @operator.GetAsync("/hangfire/jobs/enqueued", Ct)).StatusCode);
        var byQuery = await anonymous.GetAsync($"/hangfire?access_token={api.Tokens.CreateOperator()}", Ct);
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
        Assert.Contains(byQuery.Headers.GetValues("Set-Cookie"), c => c.StartsWith("spiral_dashboard_token=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        // the operator belongs to no tenant: no tenant endpoint takes its token
        await ApiAssert.ProblemAsync(await @operator.GetAsync("/api/v1/me", Ct), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready", Ct)).StatusCode);
    }

    [Fact]
    public void Only_loopback_counts_as_local_for_a_localhost_only_dashboard()
    {
        Assert.True(SpiralAnalytics.Api.Auth.OperatorDashboardAuthorization.IsLoopback(System.Net.IPAddress.Loopback));
        Assert.True(SpiralAnalytics.Api.Auth.OperatorDashboardAuthorization.IsLoopback(System.Net.IPAddress.IPv6Loopback));
        Assert.False(SpiralAnalytics.Api.Auth.OperatorDashboardAuthorization.IsLoopback(System.Net.IPAddress.Parse("10.1.2.3")));
    }

    [Fact]
    public async Task Ready_checks_Redis_when_it_is_configured()
    {
        await using var up = await ApiFactory.CreateAsync(server, nameof(PlatformApiTests),
            new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = RepoPaths.LocalSettings().Redis ?? "127.0.0.1:56379" });
        await using var down = await ApiFactory.CreateAsync(server, nameof(PlatformApiTests),
            new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "127.0.0.1:1" });

        Assert.Equal(HttpStatusCode.OK, (await up.CreateClient().GetAsync("/health/ready", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await down.CreateClient().GetAsync("/health/ready", Ct)).StatusCode);
    }
}
