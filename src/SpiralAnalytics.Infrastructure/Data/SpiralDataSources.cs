using Npgsql;

namespace SpiralAnalytics.Infrastructure.Data;

/// <summary>
/// The two ways into PostgreSQL. <see cref="Owner"/> (migrations, refreshes, tenant creation) may bypass RLS;
/// <see cref="Runtime"/> (API, jobs, imports) cannot, and sees a tenant's rows only inside a <see cref="TenantSession"/>.
/// </summary>
public sealed class SpiralDataSources(NpgsqlDataSource owner, NpgsqlDataSource runtime) : IAsyncDisposable
{
    public NpgsqlDataSource Owner { get; } = owner;

    public NpgsqlDataSource Runtime { get; } = runtime;

    public async ValueTask DisposeAsync()
    {
        await Owner.DisposeAsync();
        await Runtime.DisposeAsync();
    }
}
