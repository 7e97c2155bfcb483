using Npgsql;
using Pgvector.Npgsql;

namespace SpiralAnalytics.Infrastructure.Data;

/// <summary>
/// The two ways into PostgreSQL. <see cref="Owner"/> (migrations, refreshes, tenant creation) may bypass RLS;
/// <see cref="Runtime"/> (API, jobs, imports) cannot, and sees a tenant's rows only inside a <see cref="TenantSession"/>.
/// </summary>
public sealed class SpiralDataSources(NpgsqlDataSource owner, NpgsqlDataSource runtime) : IAsyncDisposable
{
    /// <summary>Both roles' data sources from their connection strings, with pgvector's <c>vector</c> type mapped (EF Core reads and writes it).</summary>
    public static SpiralDataSources Create(string owner, string runtime) => new(Build(owner), Build(runtime));

    private static NpgsqlDataSource Build(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseVector();
        return builder.Build();
    }

    public NpgsqlDataSource Owner { get; } = owner;

    public NpgsqlDataSource Runtime { get; } = runtime;

    public async ValueTask DisposeAsync()
    {
        await Owner.DisposeAsync();
        await Runtime.DisposeAsync();
    }
}
