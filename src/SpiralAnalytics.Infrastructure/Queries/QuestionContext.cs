using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Tenants;
using SpiralAnalytics.Infrastructure.Verified;

namespace SpiralAnalytics.Infrastructure.Queries;

/// <summary>
/// What a tenant's context was read at: the data version (bumped by each refresh), the shipped catalog's revision and
/// the tenant's revision (its data, catalog layer and verified questions), both bumped by the database on every write
/// (migration 0014). Equal stamps, equal context.
/// </summary>
public sealed record ContextStamp(long DataVersion, long CatalogRevision, long TenantRevision)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"data={DataVersion};catalog={CatalogRevision};tenant={TenantRevision}");
}

/// <summary>
/// One question's context, resolved once where the request enters and handed from translation to validation, planning
/// and the cache: the tenant, the catalog as it sees it (shipped plus its own layer), every member of its dimensions,
/// the stamp they were read at, and the tenant's data freshness as read with the stamp for this use (what an answer
/// served from the cache reports: the imports and syncs since the answer was stored are read now).
/// </summary>
/// <remarks>
/// <see cref="HasVerifiedQuestions"/>: whether the tenant had a verified question at the stamp (a write to its verified
/// questions moves the stamp), so a tenant without any is not searched for one on every question.
/// </remarks>
public sealed record QuestionContext(string Tenant, Guid TenantId, ContextStamp Stamp, MetricCatalog Catalog, DimensionValues Values, DataFreshness Freshness)
{
    public bool HasVerifiedQuestions { get; init; } = true;

    /// <summary>What the stamp read that gave <see cref="Stamp"/> and <see cref="Freshness"/> returned, column by column.</summary>
    public required StampValues Seen { get; init; }

    /// <summary>Where this process's <see cref="ContextWatch"/> stood just before that read.</summary>
    public WatchMark Mark { get; init; }
}

/// <summary>
/// The values of one read of <see cref="TenantContextCache.StampColumns"/> with their PostgreSQL types: a later statement
/// of the tenant's (<see cref="Unchanged"/>) compares the columns again and so knows, in its own round trip, that neither
/// the context nor the data freshness moved since (timestamps at full precision).
/// </summary>
public sealed class StampValues
{
    private readonly (object Value, string Type)[] _columns;

    private StampValues((object Value, string Type)[] columns) => _columns = columns;

    public static StampValues Read(NpgsqlDataReader reader) =>
        new([.. Enumerable.Range(0, reader.FieldCount).Select(i => (reader.IsDBNull(i) ? DBNull.Value : reader.GetValue(i), reader.GetDataTypeName(i)))]);

    /// <summary>
    /// A condition true exactly when the stamp columns, read again now, equal these values; its parameters are numbered
    /// from <paramref name="firstParameter"/> and are <see cref="Parameters"/>.
    /// </summary>
    public string Unchanged(int firstParameter) =>
        $"ROW({TenantContextCache.StampColumns}) IS NOT DISTINCT FROM ROW({string.Join(", ", _columns.Select((_, i) => $"${firstParameter + i}"))})";

    public IEnumerable<NpgsqlParameter> Parameters() => _columns.Select(c => new NpgsqlParameter { Value = c.Value, DataTypeName = c.Type });
}

/// <summary>
/// The tenant's <see cref="QuestionContext"/>, kept per tenant and reloaded only when its <see cref="ContextStamp"/> moved:
/// a refresh, an import or sync, a change to the shipped catalog or the tenant's own, from any process. Each use costs
/// one read of the stamp (runtime role, tenant set, so RLS shows only the tenant's own revision); <see cref="Recent"/>
/// costs none, for a statement that checks the stamp itself as it runs (<see cref="StampValues.Unchanged"/>);
/// <see cref="Unmoved"/> costs none either, and needs no check: the database has told this process of no change since.
/// </summary>
public sealed class TenantContextCache(SpiralDataSources data, CatalogReader catalogs, TenantDirectory tenants, ContextWatch watch)
{
    /// <summary>
    /// The stamp's two revisions and then <see cref="DataFreshness.SelectList"/> (whose first column, the data version, is
    /// the stamp's third part), for a SELECT list in a tenant session.
    /// </summary>
    public const string StampColumns =
        $"""
        (SELECT revision FROM catalog_revision),
               (SELECT coalesce(max(revision), 0) FROM tenant_revisions),
               {DataFreshness.SelectList}
        """;

    private const string StampSql = "SELECT " + StampColumns;

    private readonly ConcurrentDictionary<Guid, QuestionContext> _contexts = new();
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _loading = new();
    private long _loads;

    /// <summary>How many times a context was read from the database (the rest were served from memory).</summary>
    public long Loads => Interlocked.Read(ref _loads);

    public async Task<QuestionContext> GetAsync(string tenant, CancellationToken ct) =>
        await GetAsync(tenant, await tenants.ResolveAsync(tenant, ct), ct);

    /// <remarks>
    /// One load per tenant at a time: a burst of questions after a refresh waits for the first reader's context instead of
    /// each reading the catalog and the dimensions again (and holding a connection each while it does).
    /// </remarks>
    public async Task<QuestionContext> GetAsync(string tenant, Guid tenantId, CancellationToken ct)
    {
        var mark = watch.Mark(tenantId);
        var (stamp, freshness, seen) = await ReadAsync(tenantId, ct);
        if (Known(tenantId, stamp) is { } known)
        {
            return _contexts[tenantId] = known with { Freshness = freshness, Seen = seen, Mark = mark };
        }

        var gate = _loading.GetOrAdd(tenantId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            // The stamp again: another reader may have loaded it while this one waited, or a refresh moved it.
            mark = watch.Mark(tenantId);
            (stamp, freshness, seen) = await ReadAsync(tenantId, ct);
            if (Known(tenantId, stamp) is { } loaded)
            {
                return _contexts[tenantId] = loaded with { Freshness = freshness, Seen = seen, Mark = mark };
            }

            // The stamp was read first: rows read after it are at least as new, so a context is never older than its stamp.
            DimensionValues values;
            bool hasVerified;
            await using (var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct))
            {
                values = await TenantDimensionReader.ReadAsync(session, TenantDimensionReader.Readable, ct);
                hasVerified = await HasVerifiedQuestionsAsync(session, ct);
                await session.CommitAsync(ct);
            }

            var catalog = await catalogs.LoadAsync(tenantId, ct);
            var context = new QuestionContext(tenant, tenantId, stamp, catalog, values, freshness) { HasVerifiedQuestions = hasVerified, Seen = seen, Mark = mark };
            Interlocked.Increment(ref _loads);
            _contexts[tenantId] = context;
            return context;
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<bool> HasVerifiedQuestionsAsync(TenantSession session, CancellationToken ct)
    {
        await using var command = session.Command("SELECT EXISTS (SELECT 1 FROM verified_questions WHERE state = $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = VerifiedStates.Verified });
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>
    /// The tenant's context as this process last read it, without reading anything (null before the first read): a guess
    /// that holds until something moves, for a statement that checks it (<see cref="StampValues.Unchanged"/>) as it runs.
    /// </summary>
    public QuestionContext? Recent(Guid tenantId) => _contexts.GetValueOrDefault(tenantId);

    /// <summary>
    /// The tenant's context as this process last read it, when <see cref="ContextWatch"/> has heard of no change to it since
    /// (its listener connected throughout): current without reading anything. Null otherwise; then read it (<see cref="GetAsync(string, Guid, CancellationToken)"/>).
    /// </summary>
    public QuestionContext? Unmoved(Guid tenantId) => Recent(tenantId) is { } recent && watch.Unmoved(tenantId, recent.Mark) ? recent : null;

    private QuestionContext? Known(Guid tenantId, ContextStamp stamp) =>
        _contexts.TryGetValue(tenantId, out var known) && known.Stamp == stamp ? known : null;

    /// <summary>The tenant's current stamp and data freshness, read inside its session in one statement.</summary>
    public static async Task<(ContextStamp Stamp, DataFreshness Freshness)> StampAsync(TenantSession session, CancellationToken ct)
    {
        await using var command = session.Command(StampSql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await ReadStampAsync(reader, ct);
    }

    /// <summary>The stamp and freshness without a session of the caller's: one round trip (<see cref="TenantSession.OneTripAsync"/>), on every question's path.</summary>
    private Task<(ContextStamp Stamp, DataFreshness Freshness, StampValues Seen)> ReadAsync(Guid tenantId, CancellationToken ct) =>
        TenantSession.OneTripAsync(data.Runtime, tenantId, StampSql, [], async (reader, token) =>
        {
            var (stamp, freshness) = await ReadStampAsync(reader, token);
            return (stamp, freshness, StampValues.Read(reader));
        }, ct);

    private static async Task<(ContextStamp Stamp, DataFreshness Freshness)> ReadStampAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        await reader.ReadAsync(ct);
        var freshness = DataFreshness.Read(reader, 2);
        return (new ContextStamp(freshness.DataVersion, reader.GetInt64(0), reader.GetInt64(1)), freshness);
    }
}
