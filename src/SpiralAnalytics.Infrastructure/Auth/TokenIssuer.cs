using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Infrastructure.Auth;

/// <summary>
/// The roles a token can carry: admin (the tenant's own catalog layer, Hangfire dashboard), lead and viewer (ask and read)
/// — all three tenant roles — and <see cref="Operator"/>, the platform role that no tenant token carries.
/// </summary>
public static class SpiralRoles
{
    public const string Admin = "admin";
    public const string Lead = "lead";
    public const string Viewer = "viewer";

    /// <summary>The platform operator: changes the shipped catalog. An operator token has no tenant.</summary>
    public const string Operator = "operator";

    /// <summary>The tenant roles (<c>token create --role</c>).</summary>
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
/// Signs API tokens (HMAC-SHA256 JWT with <c>sub</c>, <c>tenant</c> and <c>role</c>) with the <see cref="AuthOptions"/> key.
/// Used by <c>spiral token create</c> and the tests; the API only validates.
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

    /// <summary>A platform operator token: role <c>operator</c> and no tenant claim, so it opens no tenant endpoint.</summary>
    public string CreateOperator(string? user = null, DateTimeOffset? now = null, TimeSpan? lifetime = null) =>
        Sign([new Claim(TokenClaims.Role, SpiralRoles.Operator)], user, now, lifetime);

    private string Sign(IReadOnlyList<Claim> claims, string? user, DateTimeOffset? now, TimeSpan? lifetime)
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
