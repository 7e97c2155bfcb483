using Hangfire;
using Hangfire.Dashboard;

namespace SpiralAnalytics.Api.Auth;

public static class HangfireDashboard
{
    /// <summary>
    /// The Hangfire dashboard at <c>/hangfire</c> for admins (when this process runs Hangfire). The endpoint requires the
    /// admin policy; the dashboard's own filter checks the role again. A browser opens it with <c>?access_token=TOKEN</c>;
    /// the token is then kept in a path-scoped, HTTP-only cookie so the dashboard's scripts and polling are authenticated too.
    /// </summary>
    public static IEndpointRouteBuilder MapSpiralHangfireDashboard(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<JobStorage>() is null)
        {
            return app;
        }

        app.MapHangfireDashboard(AuthServiceCollectionExtensions.DashboardPath, new DashboardOptions
        {
            Authorization = [new AdminDashboardAuthorization()],
            AppPath = null,
            DisplayStorageConnectionString = false,
        }).RequireAuthorization(SpiralClaims.AdminPolicy);
        return app;
    }
}

/// <summary>The dashboard's own check: an authenticated admin. Keeps a token given as <c>?access_token=</c> in a cookie.</summary>
internal sealed class AdminDashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var http = context.GetHttpContext();
        if (http.User.Identity?.IsAuthenticated != true || !http.User.IsAdmin())
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
}
