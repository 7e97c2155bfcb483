using Microsoft.EntityFrameworkCore;
using Npgsql;
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

    [Fact]
    public async Task A_tenant_context_neither_reads_nor_changes_nor_writes_another_tenants_application_rows()
    {
        var db = await server.DatabaseAsync(nameof(SpiralDbContextTests));
        var a = await TestData.CreateTenantAsync(db, TestData.NewSlug("dia"));
        var b = await TestData.CreateTenantAsync(db, TestData.NewSlug("dib"));
        await SeedApplicationRowsAsync(db, a);
        var ofB = await SeedApplicationRowsAsync(db, b);

        await using (var session = await TenantSession.BeginAsync(db.DataSources.Runtime, a, Ct))
        await using (var context = SpiralDb.For(session))
        {
            // reads: each table shows A's one row, never B's
            foreach (var (table, tenants) in await TenantsPerTableAsync(context))
            {
                Assert.True(tenants.Count == 1 && tenants[0] == a, $"{table}: {string.Join(", ", tenants)}");
            }

            Assert.False(await context.Jobs.AnyAsync(j => j.Id == ofB.Job, Ct));

            // updates and deletes aimed at B's rows change nothing
            Assert.Equal(0, await context.Jobs.Where(j => j.Id == ofB.Job).ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, "cancelled"), Ct));
            Assert.Equal(0, await context.AlertFirings.Where(f => f.Id == ofB.Firing).ExecuteUpdateAsync(s => s.SetProperty(f => f.DeliveryState, "failed"), Ct));
            Assert.Equal(0, await context.Jobs.Where(j => j.TenantId == b).ExecuteDeleteAsync(Ct));
            Assert.Equal(0, await context.Answers.Where(x => x.TenantId == b).ExecuteDeleteAsync(Ct));
            Assert.Equal(0, await context.Feedback.Where(x => x.TenantId == b).ExecuteDeleteAsync(Ct));
            Assert.Equal(0, await context.VerifiedQuestions.Where(x => x.TenantId == b).ExecuteDeleteAsync(Ct));
            Assert.Equal(0, await context.AlertRules.Where(x => x.TenantId == b).ExecuteDeleteAsync(Ct));
            Assert.Equal(0, await context.AlertFirings.Where(x => x.TenantId == b).ExecuteDeleteAsync(Ct));
            Assert.Equal(0, await context.AlertDeliveries.Where(x => x.TenantId == b).ExecuteDeleteAsync(Ct));
            await session.CommitAsync(Ct);
        }

        // inserts of rows that name B: refused by the policy's WITH CHECK, table by table
        foreach (var row in RowsOf(b, ofB))
        {
            await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, a, Ct);
            await using var context = SpiralDb.For(session);
            context.Add(row);
            var e = await Assert.ThrowsAsync<DbUpdateException>(() => context.SaveChangesAsync(Ct));
            var postgres = Assert.IsType<PostgresException>(e.InnerException);
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, postgres.SqlState);
            Assert.Contains("row-level security", postgres.MessageText, StringComparison.Ordinal);
        }

        // B's rows are all there, unchanged
        await using (var session = await TenantSession.BeginAsync(db.DataSources.Runtime, b, Ct))
        await using (var context = SpiralDb.For(session))
        {
            foreach (var (table, tenants) in await TenantsPerTableAsync(context))
            {
                Assert.True(tenants.Count == 1 && tenants[0] == b, $"{table}: {string.Join(", ", tenants)}");
            }

            Assert.Equal("queued", await context.Jobs.Where(j => j.Id == ofB.Job).Select(j => j.Status).SingleAsync(Ct));
            Assert.Equal("pending", await context.AlertFirings.Where(f => f.Id == ofB.Firing).Select(f => f.DeliveryState).SingleAsync(Ct));
        }
    }

    private sealed record SeededRows(Guid Job, Guid Rule, Guid Firing);

    /// <summary>One row in each application table the context maps beyond the catalog, written by a context in the tenant's session.</summary>
    private static async Task<SeededRows> SeedApplicationRowsAsync(TestDatabase db, Guid tenant)
    {
        await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct);
        await using var context = SpiralDb.For(session);
        var job = new StoredJob { TenantId = tenant, Status = "queued", Question = "velocity by team" };
        var rule = NewRule(tenant, "seeded");
        context.AddRange(job, rule);
        await context.SaveChangesAsync(Ct);
        var firing = NewFiring(tenant, rule.Id, Guid.NewGuid());
        context.AddRange(
            new StoredAnswer { TenantId = tenant, CacheKey = "k", Payload = "{}", DataVersion = 1 },
            new StoredFeedback { TenantId = tenant, JobId = job.Id, UserId = "u", Rating = "up" },
            new StoredVerifiedQuestion
            {
                TenantId = tenant, Question = "velocity by team", QuestionNormalized = "velocity by team", Spec = "{}", MetricVersions = "{}", State = "proposed",
            },
            firing);
        await context.SaveChangesAsync(Ct);
        context.Add(NewDelivery(tenant, firing.Id));
        await context.SaveChangesAsync(Ct);
        await session.CommitAsync(Ct);
        return new SeededRows(job.Id, rule.Id, firing.Id);
    }

    /// <summary>A new row for each table, naming <paramref name="tenant"/> (and its existing parents).</summary>
    private static IEnumerable<object> RowsOf(Guid tenant, SeededRows parents) =>
    [
        new StoredJob { TenantId = tenant, Status = "queued", Question = "smuggled" },
        new StoredAnswer { TenantId = tenant, CacheKey = "smuggled", Payload = "{}", DataVersion = 1 },
        new StoredFeedback { TenantId = tenant, JobId = parents.Job, UserId = "smuggler", Rating = "down" },
        new StoredVerifiedQuestion { TenantId = tenant, Question = "smuggled", QuestionNormalized = "smuggled", Spec = "{}", MetricVersions = "{}", State = "proposed" },
        NewRule(tenant, "smuggled"),
        NewFiring(tenant, parents.Rule, Guid.NewGuid()),
        NewDelivery(tenant, parents.Firing),
    ];

    private static StoredAlertRule NewRule(Guid tenant, string name) => new()
    {
        TenantId = tenant, Id = Guid.NewGuid(), Name = name, Spec = "{}", Condition = "{}", Secret = new string('s', 32), Enabled = true, CreatedBy = "u",
    };

    private static StoredAlertFiring NewFiring(Guid tenant, Guid rule, Guid id) => new()
    {
        TenantId = tenant, Id = id, RuleId = rule, PeriodKey = id.ToString(), Team = "Orion", Sprint = "Sprint 1", Detail = "{}", DeliveryState = "pending",
    };

    private static StoredAlertDelivery NewDelivery(Guid tenant, Guid firing) => new()
    {
        TenantId = tenant, FiringId = firing, Attempt = 1, Url = "https://example.com/hook", Outcome = "delivered", DurationMs = 1,
    };

    private static async Task<List<(string Table, List<Guid> Tenants)>> TenantsPerTableAsync(SpiralDbContext context) =>
    [
        ("analytics_jobs", await context.Jobs.Select(x => x.TenantId).ToListAsync(Ct)),
        ("analytics_cache", await context.Answers.Select(x => x.TenantId).ToListAsync(Ct)),
        ("analytics_feedback", await context.Feedback.Select(x => x.TenantId).ToListAsync(Ct)),
        ("verified_questions", await context.VerifiedQuestions.Select(x => x.TenantId).ToListAsync(Ct)),
        ("alert_rules", await context.AlertRules.Select(x => x.TenantId).ToListAsync(Ct)),
        ("alert_firings", await context.AlertFirings.Select(x => x.TenantId).ToListAsync(Ct)),
        ("alert_deliveries", await context.AlertDeliveries.Select(x => x.TenantId).ToListAsync(Ct)),
    ];

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
