using System.Net;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.Extensions.Options;

namespace SpiralAnalytics.Api.Auth;

/// <summary>Section <c>Hangfire:Dashboard</c>: who may open the dashboard besides holding an operator token.</summary>
public sealed class HangfireDashboardOptions
{
    public const string Section = "Hangfire:Dashboard";

    /// <summary>Only requests from a loopback address (an operator on the machine or through an SSH tunnel), even with an operator token.</summary>
    public bool LocalhostOnly { get; set; }
}

public static class HangfireDashboard
{
    /// <summary>Binds <see cref="HangfireDashboardOptions"/> (validated on start).</summary>
    public static IHostApplicationBuilder AddSpiralHangfireDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HangfireDashboardOptions>().BindConfiguration(HangfireDashboardOptions.Section).ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// The Hangfire dashboard at <c>/hangfire</c>, for the platform operator only (when this process runs Hangfire): it
    /// shows and re-runs every tenant's jobs, so the endpoint requires the operator policy (role operator, no tenant claim:
    /// no tenant token, admin or not, opens it) and the dashboard's own filter checks the same again, plus the loopback
    /// address when <see cref="HangfireDashboardOptions.LocalhostOnly"/> is set. A browser opens it with
    /// <c>?access_token=TOKEN</c>; the token is then kept in a path-scoped, HTTP-only cookie so the dashboard's scripts and
    /// polling are authenticated too.
    /// </summary>
    public static IEndpointRouteBuilder MapSpiralHangfireDashboard(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<JobStorage>() is null)
        {
            return app;
        }

        var options = app.ServiceProvider.GetRequiredService<IOptions<HangfireDashboardOptions>>().Value;
        app.MapHangfireDashboard(AuthServiceCollectionExtensions.DashboardPath, new DashboardOptions
        {
            Authorization = [new OperatorDashboardAuthorization(options.LocalhostOnly)],
            AppPath = null,
            DisplayStorageConnectionString = false,
        }).RequireAuthorization(SpiralClaims.OperatorPolicy);
        return app;
    }
}

/// <summary>The dashboard's own check: an authenticated operator (from loopback when so configured). Keeps a token given as <c>?access_token=</c> in a cookie.</summary>
internal sealed class OperatorDashboardAuthorization(bool localhostOnly) : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var http = context.GetHttpContext();
        if (!http.User.IsOperator() || (localhostOnly && !IsLoopback(http.Connection.RemoteIpAddress)))
        {
            return false;
        }

        if (http.Request.Query[AuthServiceCollectionExtensions.AccessTokenParameter].FirstOrDefault() is { Length: > 0 } token)
        {
            http.Response.Cookies.Append(AuthServiceCollectionExtensions.DashboardCookie, token, new CookieOptions
            {
                Path = AuthServiceCollectionExtensions.DashboardPath,
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = http.Request.IsHttps,
            });
        }

        return true;
    }

    /// <summary>The test server has no remote address: it counts as local, like Hangfire's own LocalRequestsOnlyAuthorizationFilter.</summary>
    internal static bool IsLoopback(IPAddress? address) => address is null || IPAddress.IsLoopback(address);
}
