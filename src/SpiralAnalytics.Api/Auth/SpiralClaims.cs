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

    /// <summary>The authorization policy of the tenant admin endpoints: a tenant token with role admin.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>
    /// The authorization policy of the platform operator's tools (the Hangfire dashboard, the shipped catalog): role
    /// <c>operator</c> and no tenant claim. No tenant token, admin or not, satisfies it.
    /// </summary>
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

    /// <summary>admin, lead, viewer or operator; null without a role claim.</summary>
    public static string? Role(this ClaimsPrincipal user) => user.FindFirstValue(SpiralClaims.Role);

    public static bool IsAdmin(this ClaimsPrincipal user) => user.Role() == SpiralClaims.AdminRole;

    /// <summary>A platform operator: role operator and no tenant (what <see cref="SpiralClaims.OperatorPolicy"/> requires).</summary>
    public static bool IsOperator(this ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.Role() == SpiralClaims.OperatorRole && !user.HasClaim(c => c.Type == SpiralClaims.Tenant);
}
