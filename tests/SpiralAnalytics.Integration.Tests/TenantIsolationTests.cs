using Npgsql;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests;

/// <summary>Tenant isolation is PostgreSQL's job: RLS enabled and forced, a runtime role that cannot get around it.</summary>
public sealed class TenantIsolationTests(PostgresServer server) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private Guid _a;
    private Guid _b;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _db = await server.DatabaseAsync(nameof(TenantIsolationTests));
        (_a, _b) = await server.OnceAsync(nameof(TenantIsolationTests), SeedTwoTenantsAsync);
    }

    /// <summary>Two tenants holding the same data, plus rows in every table the bundle leaves empty.</summary>
    private async Task<(Guid A, Guid B)> SeedTwoTenantsAsync()
    {
        var a = TestData.NewSlug("a");
        var b = TestData.NewSlug("b");
        var ids = (A: await TestData.CreateTenantAsync(_db, a), B: await TestData.CreateTenantAsync(_db, b));
        using var host = _db.BuildHost();
        var importer = (BundleImporter)host.Services.GetService(typeof(BundleImporter))!;
        await importer.ImportAsync(RepoPaths.JiraSprintReports, a, Ct);
        await importer.ImportAsync(RepoPaths.JiraSprintReports, b, Ct);
        foreach (var tenant in new[] { ids.A, ids.B })
        {
            await using var session = await TenantSession.BeginAsync(_db.DataSources.Runtime, tenant, Ct);
            await using var seed = session.Command(
                """
                INSERT INTO analytics_jobs (tenant_id, question, status) VALUES (current_tenant_id(), 'spillover?', 'completed');
                INSERT INTO analytics_feedback (tenant_id, job_id, user_id, rating) SELECT tenant_id, id, 'ann', 'up' FROM analytics_jobs LIMIT 1;
                INSERT INTO analytics_cache (tenant_id, cache_key, payload) VALUES (current_tenant_id(), 'k', '{}');
                INSERT INTO verified_questions (tenant_id, question, question_normalized, spec, state, verified_at)
                    VALUES (current_tenant_id(), 'Velocity?', 'velocity', '{"metrics":["velocity"]}', 'verified', now());
                INSERT INTO issue_transitions (tenant_id, issue_id, at, to_status, to_category)
                    SELECT tenant_id, id, now(), 'Done', 'done' FROM issues LIMIT 3;
                INSERT INTO issue_blocks (tenant_id, issue_id, blocked_from) SELECT tenant_id, id, now() FROM issues LIMIT 2;
                INSERT INTO comments (tenant_id, issue_id, author, created_at) SELECT tenant_id, id, 'ann', now() FROM issues LIMIT 4;
                """);
            await seed.ExecuteNonQueryAsync(Ct);
            await session.CommitAsync(Ct);
        }

        return ids;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string> Tables() => new(TestData.TenantTables);

    /// <summary>Filters a query might write; the last value says whether all of A's rows still match.</summary>
    public static TheoryData<string, string, bool> HostileFilters()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var table in TestData.TenantTables)
        {
            data.Add(table, "t.tenant_id = $1", false);
            data.Add(table, "t.tenant_id = $1 OR true", true);
            data.Add(table, "t.tenant_id <> current_tenant_id()", false);
            data.Add(table, "t.tenant_id IN (SELECT id FROM tenants)", true);
            data.Add(table, "EXISTS (SELECT 1 FROM tenants x WHERE x.id = $1)", false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileFilters))]
    public async Task Runtime_role_with_tenant_A_sees_no_row_of_tenant_B_whatever_the_filter(string table, string filter, bool seesAllOfA)
    {
        await using var session = await TenantSession.BeginAsync(_db.DataSources.Runtime, _a, Ct);
        await using var command = session.Command($"SELECT count(*) FILTER (WHERE t.tenant_id = $1), count(*) FROM {table} t WHERE {filter}");
        command.Parameters.Add(new NpgsqlParameter { Value = _b });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        Assert.Equal(0, reader.GetInt64(0));
        Assert.Equal(seesAllOfA ? await TestData.OwnerCountAsync(_db, table, _a) : 0, reader.GetInt64(1));
    }

    [Fact]
    public async Task Runtime_role_with_tenant_A_sees_only_tenant_A_in_tenants()
    {
        await using var session = await TenantSession.BeginAsync(_db.DataSources.Runtime, _a, Ct);
        await using var command = session.Command("SELECT array_agg(id) FROM tenants");
        Assert.Equal([_a], (Guid[])(await command.ExecuteScalarAsync(Ct))!);
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task Runtime_role_with_tenant_A_sees_exactly_the_rows_of_A(string table)
    {
        await using var session = await TenantSession.BeginAsync(_db.DataSources.Runtime, _a, Ct);
        await using var command = session.Command($"SELECT count(*) FROM {table}");
        var visible = (long)(await command.ExecuteScalarAsync(Ct))!;
        Assert.True(visible > 0, $"{table} should have rows for tenant A");
        Assert.Equal(await TestData.OwnerCountAsync(_db, table, _a), visible);
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task Runtime_role_cannot_change_or_add_rows_of_tenant_B(string table)
    {
        await using var session = await TenantSession.BeginAsync(_db.DataSources.Runtime, _a, Ct);
        await using (var update = session.Command($"UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = $1"))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = _b });
            Assert.Equal(0, await update.ExecuteNonQueryAsync(Ct));
        }

        await using (var delete = session.Command($"DELETE FROM {table} WHERE tenant_id = $1"))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = _b });
            Assert.Equal(0, await delete.ExecuteNonQueryAsync(Ct));
        }

        await using var moveToB = session.Command($"UPDATE {table} SET tenant_id = $1");
        moveToB.Parameters.Add(new NpgsqlParameter { Value = _b });
        var error = await Assert.ThrowsAsync<PostgresException>(() => moveToB.ExecuteNonQueryAsync(Ct));
        Assert.Contains(error.SqlState, new[] { "42501", "23503" });
    }

    [Fact]
    public async Task Inserting_a_row_for_another_tenant_violates_the_policy()
    {
        await using var session = await TenantSession.BeginAsync(_db.DataSources.Runtime, _a, Ct);
        await using var insert = session.Command("INSERT INTO teams (tenant_id, key, name) VALUES ($1, 'EVIL', 'Evil')");
        insert.Parameters.Add(new NpgsqlParameter { Value = _b });
        var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync(Ct));
        Assert.Equal("42501", error.SqlState);
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task Without_a_tenant_the_runtime_role_sees_nothing(string table)
    {
        await using var connection = await _db.DataSources.Runtime.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task A_pooled_connection_used_for_A_carries_nothing_into_the_next_request()
    {
        var single = new NpgsqlConnectionStringBuilder(_db.RuntimeConnectionString) { MaxPoolSize = 1 }.ConnectionString;
        await using var pool = NpgsqlDataSource.Create(single);
        int firstPid;
        await using (var session = await TenantSession.BeginAsync(pool, _a, Ct))
        {
            firstPid = session.Connection.ProcessID;
            await using var count = session.Command("SELECT count(*) FROM issues");
            Assert.True((long)(await count.ExecuteScalarAsync(Ct))! > 0);
            await session.CommitAsync(Ct);
        }

        await using var next = await pool.OpenConnectionAsync(Ct);
        Assert.Equal(firstPid, next.ProcessID);
        await using var probe = new NpgsqlCommand("SELECT coalesce(current_setting('app.tenant_id', true), ''), (SELECT count(*) FROM issues)", next);
        await using var reader = await probe.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        Assert.Equal("", reader.GetString(0));
        Assert.Equal(0, reader.GetInt64(1));
    }

    [Fact]
    public async Task A_one_trip_statement_sees_its_tenant_only_and_leaves_nothing_on_the_pooled_connection()
    {
        var single = new NpgsqlConnectionStringBuilder(_db.RuntimeConnectionString) { MaxPoolSize = 1 }.ConnectionString;
        await using var pool = NpgsqlDataSource.Create(single);
        const string Sql = "SELECT count(*), count(*) FILTER (WHERE tenant_id <> $1), current_setting('app.tenant_id', true), pg_backend_pid() FROM issues";
        async Task<(long All, long Others, string? Setting, int Pid)> ReadAsync(NpgsqlDataReader r, CancellationToken ct)
        {
            await r.ReadAsync(ct);
            return (r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetInt32(3));
        }

        var a = await TenantSession.OneTripAsync(pool, _a, Sql, [_a], ReadAsync, Ct);
        var b = await TenantSession.OneTripAsync(pool, _b, Sql, [_b], ReadAsync, Ct);
        Assert.True(a.All > 0);
        Assert.Equal(a.All, b.All); // the same data imported for both: each sees its own copy, never the other's
        Assert.Equal(0, a.Others);
        Assert.Equal(0, b.Others);
        Assert.Equal(_a.ToString(), a.Setting);
        Assert.Equal(_b.ToString(), b.Setting);

        // a write goes through RLS's check the same way: B cannot insert a row for A
        await Assert.ThrowsAsync<PostgresException>(() => TenantSession.OneTripAsync(pool, _b,
            "INSERT INTO analytics_jobs (tenant_id, question, status) VALUES ($1, 'x', 'queued') RETURNING id", [_a],
            async (r, ct) => await r.ReadAsync(ct), Ct));

        await using var next = await pool.OpenConnectionAsync(Ct);
        Assert.Equal(b.Pid, next.ProcessID); // the one pooled connection, after the batch's implicit transaction ended
        await using var probe = new NpgsqlCommand("SELECT coalesce(current_setting('app.tenant_id', true), ''), (SELECT count(*) FROM issues)", next);
        await using var reader = await probe.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        Assert.Equal("", reader.GetString(0));
        Assert.Equal(0, reader.GetInt64(1));
    }

    [Fact]
    public async Task A_tenant_set_in_one_transaction_is_gone_in_the_next_on_the_same_connection()
    {
        await using var connection = await _db.DataSources.Runtime.OpenConnectionAsync(Ct);
        await using (var tx = await connection.BeginTransactionAsync(Ct))
        {
            await using var set = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true)", connection, tx);
            set.Parameters.Add(new NpgsqlParameter { Value = _a.ToString() });
            await set.ExecuteNonQueryAsync(Ct);
            await tx.RollbackAsync(Ct);
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM sprints", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync(Ct));
    }

    [Theory]
    [InlineData("ALTER TABLE issues DISABLE ROW LEVEL SECURITY")]
    [InlineData("ALTER TABLE issues NO FORCE ROW LEVEL SECURITY")]
    [InlineData("DROP POLICY tenant_isolation ON issues")]
    [InlineData("CREATE POLICY open_all ON issues USING (true)")]
    [InlineData("SET ROLE spiral_owner")]
    [InlineData("ALTER ROLE spiral_app BYPASSRLS")]
    [InlineData("INSERT INTO metrics (name, category, current_version) VALUES ('x', 'y', '1.0.0')")]
    public async Task Runtime_role_cannot_turn_off_isolation_or_act_as_owner(string sql)
    {
        await using var connection = await _db.DataSources.Runtime.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
        Assert.Equal("42501", error.SqlState);
    }

    [Fact]
    public async Task Turning_row_security_off_makes_the_runtime_role_fail_instead_of_see_everything()
    {
        await using var connection = await _db.DataSources.Runtime.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand("SET row_security = off; SELECT count(*) FROM issues", connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync(Ct));
        Assert.Equal("42501", error.SqlState);
    }

    [Fact]
    public async Task Runtime_role_owns_nothing_and_has_no_bypass()
    {
        await using var connection = await _db.DataSources.Runtime.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT r.rolbypassrls, r.rolsuper,
                   (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid),
                   (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY($1) AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity))
            FROM pg_roles r WHERE r.rolname = current_user
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = TestData.TenantTables.Append("tenants").ToArray() });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.False(reader.GetBoolean(0));
        Assert.False(reader.GetBoolean(1));
        Assert.Equal(0, reader.GetInt64(2));
        Assert.Equal(0, reader.GetInt64(3));
    }
}
