using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Api.Errors;

namespace SpiralAnalytics.Api;

/// <summary>Section <c>RateLimits:Ask</c>: questions per tenant per fixed window.</summary>
public sealed class AskRateLimitOptions
{
    public const string Section = "RateLimits:Ask";

    /// <summary>Questions a tenant may ask per window.</summary>
    [Range(1, 100_000)]
    public int PermitLimit { get; set; } = 30;

    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;

    /// <summary>Requests that wait for the next window instead of being refused at once.</summary>
    [Range(0, 1_000)]
    public int QueueLimit { get; set; }
}

public static class RateLimits
{
    /// <summary>The policy the ask endpoint uses: <c>.RequireRateLimiting(RateLimits.Ask)</c>.</summary>
    public const string Ask = "ask";

    /// <summary>
    /// The named policy <c>ask</c>: a fixed window per tenant (the token's <c>tenant</c> claim), limits from
    /// <see cref="AskRateLimitOptions"/>; a refused request is a 429 ProblemDetails with <c>Retry-After</c>.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AskRateLimitOptions>().BindConfiguration(AskRateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Ask, AskPartition);
            limiter.OnRejected = OnRejectedAsync;
        });
        return builder;
    }

    internal static RateLimitPartition<string> AskPartition(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<AskRateLimitOptions>>().Value;
        var tenant = http.User.FindFirst(SpiralClaims.Tenant)?.Value ?? "";
        return RateLimitPartition.GetFixedWindowLimiter("tenant:" + tenant, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.PermitLimit,
            Window = TimeSpan.FromSeconds(options.WindowSeconds),
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    internal static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<IOptions<AskRateLimitOptions>>().Value;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(options.WindowSeconds);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many questions",
                Detail = $"your tenant may ask {options.PermitLimit} question(s) per {options.WindowSeconds} s; try again in {seconds} s",
                Type = ApiProblems.TypeFor(StatusCodes.Status429TooManyRequests),
            },
        });
    }
}
