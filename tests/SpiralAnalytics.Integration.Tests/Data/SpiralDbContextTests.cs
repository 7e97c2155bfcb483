using Microsoft.EntityFrameworkCore;
using Pgvector;
using Pgvector.EntityFrameworkCore;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Data;

/// <summary>
/// The DbContext runs inside the tenant session: the same connection and transaction, so RLS filters what it reads exactly as
/// for raw commands, and without a tenant it sees no tenant rows. Its vector search is pgvector's cosine distance.
/// </summary>
public sealed class SpiralDbContextTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_tenant_context_sees_its_own_tenant_metrics_and_its_uncommitted_writes_only()
    {
        var db = await server.DatabaseAsync(nameof(SpiralDbContextTests));
        var a = await TestData.CreateTenantAsync(db, TestData.NewSlug("dba"));
        var b = await TestData.CreateTenantAsync(db, TestData.NewSlug("dbb"));
        await InsertMetricAsync(db, b, "b_only", commit: true);

        await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, a, Ct);
        await InsertMetricAsync(session, "a_uncommitted");
        await using (var context = SpiralDb.For(session))
        {
            var names = await context.TenantMetrics.Select(m => m.Name).ToListAsync(Ct);
            Assert.Equal(["a_uncommitted"], names);
            var versions = await context.TenantMetricVersions.Select(v => new { v.TenantId, v.MetricName }).ToListAsync(Ct);
            Assert.All(versions, v => Assert.Equal(a, v.TenantId));
            Assert.Single(versions);
        }

        // The context used the session's transaction: rolled back with it, the write is gone.
        await session.Transaction.RollbackAsync(Ct);
        await using var check = await TenantSession.BeginAsync(db.DataSources.Runtime, a, Ct);
        await using var after = SpiralDb.For(check);
        Assert.Empty(await after.TenantMetrics.ToListAsync(Ct));
    }

    [Fact]
    public async Task Without_a_tenant_the_context_sees_no_tenant_rows()
    {
        var db = await server.DatabaseAsync(nameof(SpiralDbContextTests));
        var tenant = await TestData.CreateTenantAsync(db, TestData.NewSlug("dbn"));
        await InsertMetricAsync(db, tenant, "hidden_without_tenant", commit: true);

        await using var context = new SpiralDb(db.DataSources).Runtime();

        Assert.Empty(await context.TenantMetrics.ToListAsync(Ct));
        Assert.Empty(await context.TenantMetricVersions.ToListAsync(Ct));
    }

    [Fact]
    public async Task Vector_search_orders_by_pgvector_cosine_distance()
    {
        var db = await server.DatabaseAsync(nameof(SpiralDbContextTests));
        var tenant = await TestData.CreateTenantAsync(db, TestData.NewSlug("dbv"));
        await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct);
        await InsertMetricAsync(session, "east", Axis(0));
        await InsertMetricAsync(session, "north", Axis(1));
        await InsertMetricAsync(session, "north_east", [.. Axis(0).Zip(Axis(1), (x, y) => x + y)]);
        await using var context = SpiralDb.For(session);
        var query = new Vector(Axis(1));

        var ranked = context.TenantMetricVersions.OrderBy(v => v.Embedding!.CosineDistance(query))
            .Select(v => new { v.MetricName, Distance = v.Embedding!.CosineDistance(query) });
        var rows = await ranked.ToListAsync(Ct);

        Assert.Contains("<=>", ranked.ToQueryString(), StringComparison.Ordinal);
        Assert.Equal(["north", "north_east", "east"], rows.Select(r => r.MetricName));
        Assert.Equal(0, rows[0].Distance, 6);
        Assert.Equal(1 - Math.Sqrt(0.5), rows[1].Distance, 6);
        Assert.Equal(1, rows[2].Distance, 6);
    }

    private static float[] Axis(int i)
    {
        var v = new float[384];
        v[i] = 1;
        return v;
    }

    private static async Task InsertMetricAsync(TestDatabase db, Guid tenant, string name, bool commit)
    {
        await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct);
        await InsertMetricAsync(session, name);
        if (commit)
        {
            await session.CommitAsync(Ct);
        }
    }

    private static async Task InsertMetricAsync(TenantSession session, string name, float[]? embedding = null)
    {
        await using var command = session.Command(
            """
            WITH m AS (INSERT INTO tenant_metrics (tenant_id, name, status, current_version)
                       VALUES (current_tenant_id(), $1, 'draft', '1.0.0') RETURNING tenant_id, name)
            INSERT INTO tenant_metric_versions (tenant_id, metric_name, version, definition, checksum, search_text, embedding, embedder_id)
            SELECT m.tenant_id, m.name, '1.0.0', '{}', 'x', m.name, $2, 'test' FROM m
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = name });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = embedding is null ? DBNull.Value : new Vector(embedding) });
        await command.ExecuteNonQueryAsync(Ct);
    }
}
