using System.Diagnostics;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Ask;

namespace SpiralAnalytics.Infrastructure.Queries;

/// <summary>
/// A planned query's place in the answer cache: its key, what the cache held (null: a miss) and the tenant's data freshness
/// read with the context (what a hit reports).
/// </summary>
public sealed record CacheLookup(string Key, long DataVersion, CachedAnswer? Hit, DataFreshness Freshness);

/// <summary>
/// The one way a spec is answered — by the ask pipeline, <c>POST /api/v1/query</c>, MCP and <c>spiral query</c>: validate
/// within the question's context, plan, look the answer up in the cache (<see cref="AnswerCache"/>: Redis, then the
/// table; key = tenant + canonical spec + metric versions + data version + as_of), and on a miss execute and store it.
/// The result says <c>cache: hit</c> or <c>miss</c>.
/// </summary>
public sealed class QueryService(QueryExecutor executor, TenantContextCache contexts, AnswerCache cache)
{
    /// <summary>Spec JSON in (the endpoint and the CLI); an invalid spec is a <see cref="SpecValidationException"/> listing every error.</summary>
    public async Task<QueryResult> RunAsync(string specJson, string tenant, DateTimeOffset? asOf, CancellationToken ct)
    {
        var spec = executor.Parse(specJson, tenant);
        return await RunAsync(await contexts.GetAsync(tenant, ct), spec, asOf, ct);
    }

    public async Task<QueryResult> RunAsync(QuestionContext context, AnalyticsSpec spec, DateTimeOffset? asOf, CancellationToken ct)
    {
        var validated = await executor.ValidateAsync(spec, context, ct);
        var planned = executor.Plan(validated, asOf);
        return await AnswerAsync(planned, await LookupAsync(planned, context, ct), null, ct);
    }

    /// <summary>Where the planned query's answer is cached, and the answer if it is.</summary>
    public async Task<CacheLookup> LookupAsync(PlannedQuery planned, QuestionContext context, CancellationToken ct)
    {
        var key = CacheKey.For(planned, context.Stamp.DataVersion);
        return new CacheLookup(key, context.Stamp.DataVersion, await cache.GetAsync(planned.TenantId, key, ct), context.Freshness);
    }

    /// <summary>The cached answer of a hit, else the query executed and its answer stored under the lookup's key.</summary>
    public async Task<QueryResult> AnswerAsync(PlannedQuery planned, CacheLookup lookup, string? question, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var plan = Math.Round(planned.ValidateMs + planned.PlanMs, 1);
        if (lookup.Hit is { } hit)
        {
            return hit.Result with
            {
                // The cached answer's views are this data version's; the loads since then were read with the context.
                Freshness = lookup.Freshness,
                Question = question,
                Cache = "hit",
                TimingsMs = new Dictionary<string, double> { ["plan"] = plan, ["cache"] = Math.Round(clock.Elapsed.TotalMilliseconds, 1) },
            };
        }

        var result = await executor.ExecuteAsync(planned, question, ct);
        await cache.SetAsync(planned.TenantId, lookup.Key, lookup.DataVersion,
            result with { Question = null, Cache = "none", TimingsMs = new Dictionary<string, double>() }, ct);
        return result with { Cache = "miss" };
    }
}
