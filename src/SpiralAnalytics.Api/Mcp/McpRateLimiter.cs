using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>
/// The <c>ask</c> tool's limit: questions per tenant per fixed window, with the limits of <c>POST /api/v1/ask</c>
/// (<see cref="AskRateLimitOptions"/>, section <c>RateLimits:Ask</c>). The HTTP endpoint's limiter lives inside ASP.NET
/// Core's middleware, which counts per endpoint; this one counts the MCP endpoint's questions, so a tenant has that budget
/// on each way in.
/// </summary>
public sealed class McpRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public McpRateLimiter(IOptions<AskRateLimitOptions> options)
    {
        var limits = options.Value;
        _limiter = PartitionedRateLimiter.Create<string, string>(tenant => RateLimitPartition.GetFixedWindowLimiter("tenant:" + tenant,
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limits.PermitLimit,
                Window = TimeSpan.FromSeconds(limits.WindowSeconds),
                QueueLimit = limits.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            }));
        Limits = limits;
    }

    public AskRateLimitOptions Limits { get; }

    /// <summary>A permit for one question of <paramref name="tenant"/>; not acquired when the window's budget is spent.</summary>
    public ValueTask<RateLimitLease> AcquireAsync(string tenant, CancellationToken ct) => _limiter.AcquireAsync(tenant, 1, ct);

    public void Dispose() => _limiter.Dispose();
}
