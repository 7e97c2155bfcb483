using Microsoft.EntityFrameworkCore;
using Pgvector.EntityFrameworkCore;

namespace SpiralAnalytics.Infrastructure.Data;

/// <summary>
/// Makes <see cref="SpiralDbContext"/>s. A tenant's context runs on the <see cref="TenantSession"/>'s own connection and inside
/// its transaction, where <c>app.tenant_id</c> is set (<c>set_config(..., true)</c>), so RLS filters every row exactly as for
/// the session's raw commands; the context has no connection of its own and no way to set or skip the tenant. The session
/// commits; disposing the context leaves the connection open.
/// </summary>
public sealed class SpiralDb(SpiralDataSources data)
{
    private readonly DbContextOptions<SpiralDbContext> _runtime = Options(o => o.UseNpgsql(data.Runtime, Npgsql));

    /// <summary>The runtime role with no tenant set: the shipped catalog; every tenant table reads as empty (RLS fails closed).</summary>
    public SpiralDbContext Runtime() => new(_runtime);

    /// <summary>A context inside <paramref name="session"/>: the session's tenant, connection and transaction.</summary>
    public static SpiralDbContext For(TenantSession session)
    {
        var context = new SpiralDbContext(Options(o => o.UseNpgsql(session.Connection, Npgsql)));
        context.Database.UseTransaction(session.Transaction);
        return context;
    }

    /// <summary>
    /// A context inside an owner-role transaction that is not a tenant's (the shipped catalog's import and deprecation, under
    /// their advisory lock). Tenant data is reached only through <see cref="For(TenantSession)"/>.
    /// </summary>
    internal static SpiralDbContext ForOwner(global::Npgsql.NpgsqlConnection connection, global::Npgsql.NpgsqlTransaction transaction)
    {
        var context = new SpiralDbContext(Options(o => o.UseNpgsql(connection, Npgsql)));
        context.Database.UseTransaction(transaction);
        return context;
    }

    private static void Npgsql(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder options) => options.UseVector();

    private static DbContextOptions<SpiralDbContext> Options(Action<DbContextOptionsBuilder<SpiralDbContext>> configure)
    {
        var builder = new DbContextOptionsBuilder<SpiralDbContext>().UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
        configure(builder);
        return builder.Options;
    }
}
