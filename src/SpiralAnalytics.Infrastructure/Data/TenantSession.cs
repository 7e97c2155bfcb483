using Npgsql;

namespace SpiralAnalytics.Infrastructure.Data;

/// <summary>
/// A runtime-role connection inside a transaction that acts for one tenant. The tenant is set with
/// <c>set_config('app.tenant_id', …, true)</c>: transaction-local, so a pooled connection never carries it further.
/// </summary>
public sealed class TenantSession : IAsyncDisposable
{
    /// <summary>Sets the tenant for the current transaction only ($1: the tenant id as text), what every RLS policy reads.</summary>
    private const string SetTenant = "SELECT set_config('app.tenant_id', $1, true)";

    private TenantSession(Guid tenantId, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        TenantId = tenantId;
        Connection = connection;
        Transaction = transaction;
    }

    public Guid TenantId { get; }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    public static async Task<TenantSession> BeginAsync(NpgsqlDataSource runtime, Guid tenantId, CancellationToken ct)
    {
        var connection = await runtime.OpenConnectionAsync(ct);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct);
            await using var set = new NpgsqlCommand(SetTenant, connection, transaction);
            set.Parameters.Add(new NpgsqlParameter { Value = tenantId.ToString() });
            await set.ExecuteNonQueryAsync(ct);
            return new TenantSession(tenantId, connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// One statement for the tenant in one round trip: <c>set_config</c> and the statement go as one batch, which
    /// PostgreSQL runs as one implicit transaction (the batch's single Sync ends it), so the tenant is set for that
    /// statement exactly as in a session and for nothing after it. For the latency path (a stamp read, a job-row insert);
    /// <paramref name="read"/> gets the statement's result. The batch is prepared: Npgsql keeps it prepared on each pooled
    /// connection (its reset on return leaves prepared statements alone), so from the second use on a connection the
    /// statement is neither parsed nor planned again — for a statement over several RLS-checked tables, most of its cost
    /// on the server.
    /// </summary>
    public static async Task<T> OneTripAsync<T>(NpgsqlDataSource runtime, Guid tenantId, string sql, IReadOnlyList<object> parameters,
        Func<NpgsqlDataReader, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        await using var connection = await runtime.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        var set = new NpgsqlBatchCommand(SetTenant);
        set.Parameters.Add(new NpgsqlParameter { Value = tenantId.ToString() });
        batch.BatchCommands.Add(set);
        var statement = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters)
        {
            statement.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        }

        batch.BatchCommands.Add(statement);
        await batch.PrepareAsync(ct);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct); // past set_config's row
        return await read(reader, ct);
    }

    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);

    public Task CommitAsync(CancellationToken ct) => Transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
