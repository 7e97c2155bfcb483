using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Migrations;

public sealed record MigrationReport(IReadOnlyList<string> Applied, int AlreadyApplied);

/// <summary>
/// Applies migrations in name order as the owner role: each once, each in its own transaction, all under one
/// advisory lock so two migrators never interleave. An applied migration whose text changed is refused, unless the new
/// text names the applied one as superseded (<see cref="Migration.AcceptedChecksums"/>).
/// </summary>
public sealed class SqlMigrator(SpiralDataSources data, ILogger<SqlMigrator> logger)
{
    private const long LockKey = 0x5350_4952_414C; // "SPIRAL"

    public async Task<MigrationReport> MigrateAsync(IReadOnlyList<Migration> migrations, CancellationToken ct)
    {
        migrations = [.. migrations.OrderBy(m => m.Name, StringComparer.Ordinal)];
        await using var connection = await data.Owner.OpenConnectionAsync(ct);
        await Execute(connection, null, $"SELECT pg_advisory_lock({LockKey})", ct);
        try
        {
            await Execute(connection, null,
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name        text        PRIMARY KEY,
                    checksum    text        NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now(),
                    duration_ms integer     NOT NULL)
                """, ct);
            var applied = await AppliedAsync(connection, ct);
            RefuseEdited(migrations, applied);
            foreach (var name in applied.Keys.Where(n => migrations.All(m => m.Name != n)))
            {
                Log.MigrationNotInBuild(logger, name);
            }

            var pending = migrations.Where(m => !applied.ContainsKey(m.Name)).ToList();
            foreach (var migration in pending)
            {
                await ApplyAsync(connection, migration, ct);
            }

            return new MigrationReport([.. pending.Select(m => m.Name)], migrations.Count - pending.Count);
        }
        finally
        {
            await Execute(connection, null, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    private static void RefuseEdited(IReadOnlyList<Migration> migrations, Dictionary<string, string> applied)
    {
        var edited = migrations
            .Where(m => applied.TryGetValue(m.Name, out var checksum) && !m.AcceptedChecksums.Contains(checksum))
            .Select(m => $"migration {m.Name} was edited after it was applied (applied checksum {applied[m.Name][..12]}, now {m.Checksum[..12]})")
            .ToList();
        if (edited.Count > 0)
        {
            throw new UserErrorException(
                "refusing to migrate: an applied migration must never change; revert the edit and put the change in a new migration file",
                edited);
        }
    }

    private async Task ApplyAsync(NpgsqlConnection connection, Migration migration, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            await Execute(connection, transaction, migration.Sql, ct);
        }
        catch (PostgresException e)
        {
            throw new UserErrorException(
                $"migration {migration.Name} failed and was rolled back: {e.MessageText}" + (e.Position > 0 ? $" (at character {e.Position})" : ""));
        }

        await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (name, checksum, duration_ms) VALUES ($1, $2, $3)", connection, transaction);
        record.Parameters.Add(new NpgsqlParameter { Value = migration.Name });
        record.Parameters.Add(new NpgsqlParameter { Value = migration.Checksum });
        record.Parameters.Add(new NpgsqlParameter { Value = (int)clock.ElapsedMilliseconds });
        await record.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        Log.MigrationApplied(logger, migration.Name, clock.ElapsedMilliseconds);
    }

    private static async Task<Dictionary<string, string>> AppliedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT name, checksum FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            applied[reader.GetString(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        // A migration may build materialized views over all the data there is: no statement timeout.
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }
}
