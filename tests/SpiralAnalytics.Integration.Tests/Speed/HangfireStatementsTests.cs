using Npgsql;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Speed;

/// <summary>
/// Hangfire's connection string (<see cref="JobsServiceCollectionExtensions.Prepared"/>): a statement Hangfire sends again
/// on a pooled connection, as a fresh unprepared command each time, is prepared by Npgsql from its second use on.
/// </summary>
public sealed class HangfireStatementsTests(PostgresServer server)
{
    private const string Statement = "SELECT count(*) FROM pg_class WHERE relname = @name";

    [Fact]
    public async Task Hangfires_connection_prepares_a_statement_it_sends_again_and_the_plain_owner_connection_does_not()
    {
        var ct = TestContext.Current.CancellationToken;
        var db = await server.EmptyDatabaseAsync(nameof(HangfireStatementsTests));

        Assert.Equal(1L, await PreparedAfterThreeUsesAsync(JobsServiceCollectionExtensions.Prepared(db.OwnerConnectionString)!, ct));
        Assert.Equal(0L, await PreparedAfterThreeUsesAsync(db.OwnerConnectionString, ct));
    }

    [Fact]
    public void An_operators_own_preparation_setting_is_kept_and_no_connection_string_stays_none()
    {
        const string configured = "Host=db;Database=spiral;Username=spiral_owner;Max Auto Prepare=5";
        Assert.Equal(5, new NpgsqlConnectionStringBuilder(JobsServiceCollectionExtensions.Prepared(configured)).MaxAutoPrepare);
        Assert.Equal(JobsServiceCollectionExtensions.HangfireAutoPrepare,
            new NpgsqlConnectionStringBuilder(JobsServiceCollectionExtensions.Prepared("Host=db;Database=spiral")).MaxAutoPrepare);
        Assert.Null(JobsServiceCollectionExtensions.Prepared(null));
    }

    /// <summary>How many prepared statements of <see cref="Statement"/> the session holds after sending it three times.</summary>
    private static async Task<long> PreparedAfterThreeUsesAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        for (var i = 0; i < 3; i++)
        {
            await using var command = new NpgsqlCommand(Statement, connection);
            command.Parameters.AddWithValue("name", "analytics_jobs");
            await command.ExecuteScalarAsync(ct);
        }

        await using var check = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%pg_class WHERE relname = $1%'", connection);
        return (long)(await check.ExecuteScalarAsync(ct))!;
    }
}
