using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Migrations;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests;

public sealed class MigrationTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Migration First = new("0001_first.sql", "CREATE TABLE first_table (id int);");
    private static readonly Migration Second = new("0002_second.sql", "CREATE TABLE second_table (id int);");

    private static SqlMigrator Migrator(TestDatabase db) => new(db.DataSources, NullLogger<SqlMigrator>.Instance);

    [Fact]
    public async Task The_shipped_migrations_apply_once_and_a_second_run_does_nothing()
    {
        var db = await server.EmptyDatabaseAsync("shipped");

        var first = await TestData.CliAsync(db, "migrate");
        var second = await TestData.CliAsync(db, "migrate");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("applied 0001_foundation.sql", first.Out);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("database is up to date", second.Out);
        Assert.Equal(MigrationSource.Embedded().Count, await ScalarAsync<long>(db, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Migrations_apply_in_name_order_each_once()
    {
        var db = await server.EmptyDatabaseAsync("order");

        var report = await Migrator(db).MigrateAsync([Second, First], Ct);
        var again = await Migrator(db).MigrateAsync([First, Second], Ct);

        Assert.Equal(["0001_first.sql", "0002_second.sql"], report.Applied);
        Assert.Empty(again.Applied);
        Assert.Equal(2, again.AlreadyApplied);
    }

    [Fact]
    public async Task An_edited_applied_migration_is_refused_and_nothing_more_is_applied()
    {
        var db = await server.EmptyDatabaseAsync("edited");
        await Migrator(db).MigrateAsync([First], Ct);
        var edited = First with { Sql = "CREATE TABLE first_table (id bigint);" };

        var error = await Assert.ThrowsAsync<UserErrorException>(() => Migrator(db).MigrateAsync([edited, Second], Ct));

        Assert.Contains("an applied migration must never change", error.Message);
        Assert.Contains(error.Details, d => d.StartsWith("migration 0001_first.sql was edited after it was applied", StringComparison.Ordinal));
        Assert.False(await ScalarAsync<bool>(db, "SELECT to_regclass('second_table') IS NOT NULL"));
    }

    [Fact]
    public async Task A_rewritten_migration_is_accepted_only_when_it_names_the_text_the_database_applied()
    {
        var db = await server.EmptyDatabaseAsync("superseded");
        await Migrator(db).MigrateAsync([First], Ct);
        var rewritten = First with { Sql = $"-- Supersedes checksum {First.Checksum}: the table moves to 0002\nSELECT 1;" };
        var misnamed = First with { Sql = $"-- Supersedes checksum {Second.Checksum}: not the applied text\nSELECT 1;" };

        var error = await Assert.ThrowsAsync<UserErrorException>(() => Migrator(db).MigrateAsync([misnamed, Second], Ct));
        var report = await Migrator(db).MigrateAsync([rewritten, Second], Ct);

        Assert.Contains(error.Details, d => d.StartsWith("migration 0001_first.sql was edited after it was applied", StringComparison.Ordinal));
        Assert.Equal(["0002_second.sql"], report.Applied);
        Assert.True(await ScalarAsync<bool>(db, "SELECT to_regclass('first_table') IS NOT NULL"));
        Assert.Equal(new[] { First.Checksum, rewritten.Checksum }.Order(StringComparer.Ordinal), rewritten.AcceptedChecksums.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Line_end_style_alone_is_not_an_edit()
    {
        var db = await server.EmptyDatabaseAsync("crlf");
        await Migrator(db).MigrateAsync([new Migration("0001_x.sql", "CREATE TABLE x (id int);\nCREATE TABLE y (id int);")], Ct);

        var report = await Migrator(db).MigrateAsync([new Migration("0001_x.sql", "CREATE TABLE x (id int);\r\nCREATE TABLE y (id int);")], Ct);

        Assert.Empty(report.Applied);
    }

    [Fact]
    public async Task A_failing_migration_is_rolled_back_whole_and_not_recorded()
    {
        var db = await server.EmptyDatabaseAsync("failing");
        var broken = new Migration("0002_broken.sql", "CREATE TABLE half_done (id int); SELECT no_such_function();");

        var error = await Assert.ThrowsAsync<UserErrorException>(() => Migrator(db).MigrateAsync([First, broken], Ct));

        Assert.Contains("migration 0002_broken.sql failed and was rolled back", error.Message);
        Assert.False(await ScalarAsync<bool>(db, "SELECT to_regclass('half_done') IS NOT NULL"));
        Assert.Equal(1L, await ScalarAsync<long>(db, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Concurrent_migrators_apply_each_migration_exactly_once()
    {
        var db = await server.EmptyDatabaseAsync("concurrent");

        var reports = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Migrator(db).MigrateAsync(MigrationSource.Embedded(), Ct)));

        Assert.Equal(MigrationSource.Embedded().Count, reports.Sum(r => r.Applied.Count));
    }

    private static async Task<T> ScalarAsync<T>(TestDatabase db, string sql)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }
}
