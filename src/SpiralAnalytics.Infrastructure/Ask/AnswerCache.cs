using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>
/// The cache key of an answer: SHA-256 over the tenant, the canonical spec JSON, every metric's version and layer (sorted by name),
/// the data version and the <c>as_of</c> the spec's time was resolved against (a relative window such as
/// <c>last_sprints</c> means other sprints at another instant). A refresh bumps the data version, so an answer cached
/// before it can never be served after it.
/// </summary>
public static class CacheKey
{
    public static string For(PlannedQuery planned, long dataVersion) =>
        Compute(planned.TenantId, planned.CanonicalSpec, planned.VersionStamps, dataVersion, planned.AsOf);

    public static string Compute(Guid tenantId, string canonicalSpec, IReadOnlyDictionary<string, string> metricVersions, long dataVersion, DateTimeOffset asOf)
    {
        var text = new StringBuilder("spiral-answer/1\n")
            .Append("tenant=").Append(tenantId.ToString("N")).Append('\n')
            .Append("spec=").Append(canonicalSpec).Append('\n')
            .Append("versions=").Append(string.Join(',', metricVersions.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}@{p.Value}"))).Append('\n')
            .Append("data=").Append(dataVersion.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("as_of=").Append(asOf.UtcTicks.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>
/// Answers by cache key: this process's memory first (<see cref="AskOptions.CacheMemoryEntries"/>, least recently used
/// go first), then Redis (with a TTL), then the <c>analytics_cache</c> table (runtime role, RLS) as the durable tier, which
/// also refills Redis. A tier that answers fills the ones before it. Writing an answer of a new data version prunes the
/// tenant's older ones from the table (in the same statement). Redis being down
/// only costs speed: every Redis failure is handled here and logged by <see cref="RedisConnection"/> once per outage.
/// </summary>
/// <remarks>
/// The memory tier is keyed like Redis (tenant, then key) and holds an entry no longer than Redis would; a key names the
/// data version and context it was computed under, so what it holds is never stale, only possibly unused.
/// </remarks>
public sealed class AnswerCache(SpiralDataSources data, RedisConnection redis, IOptions<AskOptions> options, ILogger<AnswerCache> logger) : IDisposable
{
    private readonly MemoryCache _memory = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.CacheMemoryEntries) });

    public static string RedisKey(Guid tenantId, string key) => $"spiral:answer:{tenantId:N}:{key}";

    public async Task<CachedAnswer?> GetAsync(Guid tenantId, string key, CancellationToken ct) =>
        await GetTextAsync(tenantId, key, ct) is var (payload, tier) && payload is not null ? new CachedAnswer(Deserialize(payload), tier) : null;

    public Task SetAsync(Guid tenantId, string key, long dataVersion, QueryResult result, CancellationToken ct) =>
        SetTextAsync(tenantId, key, dataVersion, JsonSerializer.Serialize(result, AskJsonContext.Default.QueryResult), ct);

    /// <summary>
    /// The JSON stored under <paramref name="key"/> for the tenant, and its tier (<c>redis</c> or <c>table</c>). The Redis key
    /// is namespaced by the tenant and the table read runs with the tenant set, so one tenant can never read another's entry
    /// even under the same key.
    /// </summary>
    public async Task<(string? Payload, string Tier)> GetTextAsync(Guid tenantId, string key, CancellationToken ct)
    {
        if (_memory.TryGetValue(RedisKey(tenantId, key), out string? kept))
        {
            return (kept, "memory");
        }

        if (await redis.DatabaseAsync() is { } db)
        {
            try
            {
                var value = await db.StringGetAsync(RedisKey(tenantId, key));
                redis.Succeeded();
                if (!value.IsNull)
                {
                    Keep(tenantId, key, value!);
                    return (value!, "redis");
                }
            }
            catch (Exception e) when (RedisConnection.IsRedisFailure(e))
            {
                redis.Failed(e, "cache read");
            }
        }

        // one round trip (a miss here is on every cold question's path, twice): the tenant set and the read in one batch
        var payload = await TenantSession.OneTripAsync(data.Runtime, tenantId, "SELECT payload FROM analytics_cache WHERE cache_key = $1 LIMIT 1", [key],
            async (reader, token) => await reader.ReadAsync(token) ? reader.GetString(0) : null, ct);
        if (payload is null)
        {
            return (null, "table");
        }

        Keep(tenantId, key, payload);
        await SetRedisAsync(tenantId, key, payload);
        return (payload, "table");
    }

    /// <summary>Stores JSON under <paramref name="key"/> for the tenant (table and Redis); the first writer of a key wins.</summary>
    /// <remarks>
    /// One round trip (<see cref="TenantSession.OneTripAsync"/>; every cold answer writes it before its final event): the
    /// insert and, when it inserted, the prune of the tenant's entries of older data versions (RLS: its own rows only).
    /// </remarks>
    public async Task SetTextAsync(Guid tenantId, string key, long dataVersion, string payload, CancellationToken ct)
    {
        var pruned = await TenantSession.OneTripAsync(data.Runtime, tenantId,
            """
            WITH inserted AS (
                INSERT INTO analytics_cache (tenant_id, cache_key, payload, data_version) VALUES ($1, $2, $3::jsonb, $4)
                ON CONFLICT (tenant_id, cache_key) DO NOTHING
                RETURNING data_version)
            DELETE FROM analytics_cache WHERE data_version < (SELECT data_version FROM inserted)
            RETURNING 1
            """,
            [tenantId, key, payload, dataVersion],
            async (reader, token) =>
            {
                var rows = 0;
                while (await reader.ReadAsync(token))
                {
                    rows++;
                }

                return rows;
            }, ct);
        if (pruned > 0)
        {
            Log.CachePruned(logger, tenantId, pruned, dataVersion);
        }

        Keep(tenantId, key, payload);
        await SetRedisAsync(tenantId, key, payload);
    }

    public void Dispose() => _memory.Dispose();

    private void Keep(Guid tenantId, string key, string payload)
    {
        if (options.Value.CacheMemoryEntries > 0)
        {
            _memory.Set(RedisKey(tenantId, key), payload, new MemoryCacheEntryOptions
            {
                Size = 1,
                AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(options.Value.CacheTtlMinutes),
            });
        }
    }

    private async Task SetRedisAsync(Guid tenantId, string key, string payload)
    {
        if (await redis.DatabaseAsync() is not { } db)
        {
            return;
        }

        try
        {
            await db.StringSetAsync(RedisKey(tenantId, key), payload, TimeSpan.FromMinutes(options.Value.CacheTtlMinutes));
            redis.Succeeded();
        }
        catch (Exception e) when (RedisConnection.IsRedisFailure(e))
        {
            redis.Failed(e, "cache write");
        }
    }

    private static QueryResult Deserialize(string payload) =>
        JsonSerializer.Deserialize(payload, AskJsonContext.Default.QueryResult)
        ?? throw new InvalidOperationException("a cached answer is not a result object");
}

/// <summary>A cached answer and the tier it came from (<c>redis</c> or <c>table</c>).</summary>
public sealed record CachedAnswer(QueryResult Result, string Tier);
