using Microsoft.AspNetCore.Http.HttpResults;

namespace SpiralAnalytics.Api.Auth;

/// <summary>Who the token says the caller is, so a client can show it and check its token.</summary>
public sealed record Me(string User, string Tenant, string? Role);

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Auth");
        group.MapGet("/me", Ok<Me> (HttpContext http) => TypedResults.Ok(new Me(http.User.UserId(), http.User.Tenant(), http.User.Role())))
            .WithName("GetMe")
            .WithSummary("The user, tenant and role of the bearer token");
        return app;
    }
}
