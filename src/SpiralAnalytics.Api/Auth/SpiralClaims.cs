using System.Security.Claims;
using SpiralAnalytics.Infrastructure.Auth;

namespace SpiralAnalytics.Api.Auth;

/// <summary>Claim names, roles and policy names of the API (the token side lives in <see cref="TokenIssuer"/>).</summary>
public static class SpiralClaims
{
    public const string Subject = TokenClaims.Subject;
    public const string Tenant = TokenClaims.Tenant;
    public const string Role = TokenClaims.Role;

    public const string AdminRole = SpiralRoles.Admin;
    public const string LeadRole = SpiralRoles.Lead;
    public const string ViewerRole = SpiralRoles.Viewer;
    public const string OperatorRole = SpiralRoles.Operator;

    /// <summary>The authorization policy of the admin endpoints and the Hangfire dashboard: role admin.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>The platform operator's policy (the shipped catalog): role operator, which no tenant token carries.</summary>
    public const string OperatorPolicy = "operator";
}

/// <summary>What an endpoint reads from the authenticated user. The fallback policy guarantees a tenant claim on every non-anonymous endpoint.</summary>
public static class ClaimsPrincipalExtensions
{
    /// <summary>The tenant slug the token was issued for.</summary>
    public static string Tenant(this ClaimsPrincipal user) =>
        user.FindFirstValue(SpiralClaims.Tenant) ?? throw new InvalidOperationException("the user has no tenant claim (is the endpoint anonymous?)");

    /// <summary>The user id (<c>sub</c>).</summary>
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(SpiralClaims.Subject) ?? throw new InvalidOperationException("the user has no sub claim (is the endpoint anonymous?)");

    /// <summary>admin, lead or viewer; null without a role claim.</summary>
    public static string? Role(this ClaimsPrincipal user) => user.FindFirstValue(SpiralClaims.Role);

    public static bool IsAdmin(this ClaimsPrincipal user) => user.Role() == SpiralClaims.AdminRole;
}
