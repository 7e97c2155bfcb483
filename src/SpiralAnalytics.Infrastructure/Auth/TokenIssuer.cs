using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Infrastructure.Auth;

/// <summary>
/// The roles a token can carry. Tenant roles (<see cref="All"/>): admin (the tenant's catalog changes), lead and viewer
/// (ask and read). <see cref="Operator"/> is the platform operator's: a token without a tenant, for the operator tools
/// (the Hangfire dashboard, the shipped catalog); no tenant token carries it.
/// </summary>
public static class SpiralRoles
{
    public const string Admin = "admin";
    public const string Lead = "lead";
    public const string Viewer = "viewer";
    public const string Operator = "operator";

    /// <summary>The roles of a tenant token (<c>spiral token create --tenant SLUG --role ...</c>); never <see cref="Operator"/>.</summary>
    public static readonly IReadOnlyList<string> All = [Admin, Lead, Viewer];
}

/// <summary>The claims of an API token (JWT claim names, unmapped).</summary>
public static class TokenClaims
{
    public const string Subject = "sub";
    public const string Tenant = "tenant";
    public const string Role = "role";
}

/// <summary>
/// Signs API tokens (HMAC-SHA256 JWT with <c>sub</c>, <c>tenant</c> and <c>role</c>; an operator token has no <c>tenant</c>)
/// with the <see cref="AuthOptions"/> key. Used by <c>spiral token create</c> and the tests; the API only validates.
/// </summary>
public sealed class TokenIssuer(IOptions<AuthOptions> options, TimeProvider time)
{
    public const string DefaultUser = "local";

    /// <summary>A token for <paramref name="user"/> in tenant <paramref name="tenant"/> (a slug), valid from <paramref name="now"/> (default: now) for the configured lifetime.</summary>
    public string Create(string tenant, string role, string? user = null, DateTimeOffset? now = null, TimeSpan? lifetime = null)
    {
        if (!SpiralRoles.All.Contains(role))
        {
            throw new UserErrorException($"role '{role}' is not one of {string.Join(", ", SpiralRoles.All)}");
        }

        return Sign([new Claim(TokenClaims.Tenant, tenant), new Claim(TokenClaims.Role, role)], user, now, lifetime);
    }

    /// <summary>A platform operator's token: role <see cref="SpiralRoles.Operator"/> and no tenant claim, so no tenant endpoint accepts it.</summary>
    public string CreateOperator(string? user = null, DateTimeOffset? now = null, TimeSpan? lifetime = null) =>
        Sign([new Claim(TokenClaims.Role, SpiralRoles.Operator)], user, now, lifetime);

    private string Sign(IEnumerable<Claim> claims, string? user, DateTimeOffset? now, TimeSpan? lifetime)
    {
        var settings = options.Value;
        var issuedAt = now ?? time.GetUtcNow();
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = (issuedAt + (lifetime ?? settings.TokenLifetime)).UtcDateTime,
            Subject = new ClaimsIdentity(claims.Prepend(new Claim(TokenClaims.Subject, string.IsNullOrWhiteSpace(user) ? DefaultUser : user))),
            SigningCredentials = new SigningCredentials(settings.SecurityKey(), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
