using Npgsql;

namespace SpiralAnalytics.Infrastructure.Data;

/// <summary>
/// A runtime-role connection inside a transaction that acts for one tenant. The tenant is set with
/// <c>set_config('app.tenant_id', …, true)</c>: transaction-local, so a pooled connection never carries it further.
/// </summary>
public sealed class TenantSession : IAsyncDisposable
{
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
            await using var set = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true)", connection, transaction);
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

    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);

    public Task CommitAsync(CancellationToken ct) => Transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
