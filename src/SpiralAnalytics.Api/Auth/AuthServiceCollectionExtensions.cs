using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using SpiralAnalytics.Api.Errors;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Infrastructure.Auth;

namespace SpiralAnalytics.Api.Auth;

public static class AuthServiceCollectionExtensions
{
    /// <summary>The query-string parameter that carries the token where a browser cannot set a header (EventSource, dashboard links).</summary>
    public const string AccessTokenParameter = "access_token";

    /// <summary>The cookie that keeps the dashboard's token for its own scripts, styles and polling (set from <c>?access_token=</c>).</summary>
    public const string DashboardCookie = "spiral_dashboard_token";

    public const string DashboardPath = "/hangfire";

    /// <summary>
    /// JWT bearer authentication (<see cref="AuthOptions"/>: issuer, audience, lifetime and HMAC key all validated; claims
    /// unmapped), a fallback policy that requires an authenticated user with a <c>tenant</c> claim on every endpoint not
    /// marked AllowAnonymous, the <c>admin</c> policy, and 401/403 answered as ProblemDetails.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralAuth(this IHostApplicationBuilder builder)
    {
        builder.AddSpiralTokens();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) => Configure(jwt, auth.Value));
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(SpiralClaims.Tenant)
                .Build())
            .AddPolicy(SpiralClaims.AdminPolicy, policy => policy
                .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(SpiralClaims.Tenant)
                .RequireClaim(SpiralClaims.Role, SpiralClaims.AdminRole))
            .AddPolicy(SpiralClaims.OperatorPolicy, policy => policy
                .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(SpiralClaims.Role, SpiralClaims.OperatorRole)
                .RequireAssertion(context => context.User.IsOperator()));
        return builder;
    }

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth)
    {
        jwt.MapInboundClaims = false;
        jwt.RequireHttpsMetadata = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = auth.Issuer,
            ValidateAudience = true,
            ValidAudience = auth.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            ValidateIssuerSigningKey = true,
            IssuerSigningKey = auth.SecurityKey(),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            NameClaimType = SpiralClaims.Subject,
            RoleClaimType = SpiralClaims.Role,
        };
        jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                context.Token = TokenOutsideHeader(context.HttpContext.Request);
                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                Log.TokenRejected(Logger(context.HttpContext), context.Request.Path, Reason(context.Exception));
                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var failure = context.AuthenticateFailure;
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
                await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized",
                    failure is null
                        ? "a bearer token is required (Authorization: Bearer TOKEN; create one with: spiral token create --tenant SLUG --role ROLE)"
                        : Reason(failure));
            },
            OnForbidden = async context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden",
                    $"role '{context.HttpContext.User.Role() ?? "none"}' may not use this endpoint");
            },
        };
    }

    /// <summary>
    /// The token from <c>?access_token=</c>, accepted only where a browser cannot send a header: the SSE stream
    /// <c>/api/v1/jobs/{id}/events</c> (EventSource) and the Hangfire dashboard (which also keeps it in a path-scoped
    /// cookie for its own requests). Everywhere else null, so the Authorization header is the only way in.
    /// </summary>
    internal static string? TokenOutsideHeader(HttpRequest request)
    {
        if (!string.IsNullOrEmpty(request.Headers.Authorization))
        {
            return null;
        }

        if (IsEventStream(request.Path))
        {
            return request.Query[AccessTokenParameter].FirstOrDefault();
        }

        if (request.Path.StartsWithSegments(DashboardPath, StringComparison.OrdinalIgnoreCase))
        {
            return request.Query[AccessTokenParameter].FirstOrDefault() ?? request.Cookies[DashboardCookie];
        }

        return null;
    }

    /// <summary>Exactly <c>/api/v1/jobs/{id}/events</c>.</summary>
    internal static bool IsEventStream(PathString path)
    {
        var segments = (path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments is ["api", "v1", "jobs", { Length: > 0 }, "events"];
    }

    private static string Reason(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "the token has expired (create a new one with: spiral token create)",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "the token's signature is invalid (signed with another Auth:SigningKey?)",
        SecurityTokenInvalidIssuerException => "the token's issuer is not accepted",
        SecurityTokenInvalidAudienceException => "the token's audience is not accepted",
        SecurityTokenInvalidAlgorithmException => "the token's signing algorithm is not accepted",
        _ => "the token is malformed or invalid",
    };

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("SpiralAnalytics.Api.Auth");

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Type = ApiProblems.TypeFor(status) },
        });
    }
}
