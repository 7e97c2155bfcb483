using Npgsql;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Tests.Specs;

namespace SpiralAnalytics.Integration.Tests.Query;

/// <summary>Random valid specs (seeded) all execute on the seeded tenant; hostile filter values are rejected or stay parameters.</summary>
public sealed class GeneratedSpecExecutionTests(PostgresServer server, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_hundred_generated_valid_specs_all_execute_on_a_seeded_tenant()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        using var host = QueryFixture.Host(seeded.Db);
        var executor = QueryFixture.Executor(host);
        var catalog = await ((CatalogReader)host.Services.GetService(typeof(CatalogReader))!).LoadAsync(Ct);
        var members = await MembersAsync(seeded);
        var generator = new SpecGenerator(catalog, 20240425, d => members.GetValueOrDefault(d) ?? []);
        var rows = 0;
        for (var i = 0; i < 300; i++)
        {
            var spec = generator.Next();
            try
            {
                var result = await executor.ExecuteAsync(spec, seeded.Slug, QueryFixture.AsOf, null, Ct);
                rows += result.Rows.Count;
                Assert.Equal(result.Columns.Count, result.Rows.FirstOrDefault()?.Count ?? result.Columns.Count);
            }
            catch (Exception e)
            {
                Assert.Fail($"spec #{i} {SpecJson.Write(spec)} failed: {e.Message}");
            }
        }

        output.WriteLine($"300 specs, {rows} rows");
        Assert.True(rows > 300);
    }

    [Fact]
    public async Task Hostile_filter_values_are_typed_errors_naming_the_value()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        using var host = QueryFixture.Host(seeded.Db);
        var executor = QueryFixture.Executor(host);
        foreach (var hostile in SpecGenerator.Hostile)
        {
            var spec = new AnalyticsSpec
            {
                Metrics = ["completed_issues"],
                GroupBy = ["team"],
                Filters = [new SpecFilter("assignee", FilterOps.In, ["Ann", hostile])],
                Time = new AllTime(),
            };
            var error = await Assert.ThrowsAsync<SpecValidationException>(() => executor.ExecuteAsync(spec, seeded.Slug, QueryFixture.AsOf, null, Ct));
            var only = Assert.Single(error.Errors);
            Assert.Equal("filters[0].values[1]", only.Path);
            Assert.Equal(hostile, only.Value);
        }
    }

    internal static async Task<Dictionary<string, IReadOnlyList<string>>> MembersAsync(QueryFixture.Seeded seeded)
    {
        await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        async Task<IReadOnlyList<string>> ListAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = seeded.TenantId });
            var list = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                list.Add(reader.GetString(0));
            }

            return list;
        }

        return new Dictionary<string, IReadOnlyList<string>>
        {
            ["team"] = await ListAsync("SELECT name FROM teams WHERE tenant_id = $1 ORDER BY 1"),
            ["sprint"] = await ListAsync("SELECT DISTINCT name FROM sprints WHERE tenant_id = $1 ORDER BY 1"),
            ["assignee"] = await ListAsync("SELECT DISTINCT assignee FROM issues WHERE tenant_id = $1 AND assignee IS NOT NULL ORDER BY 1"),
            ["issue_type"] = await ListAsync("SELECT DISTINCT type FROM issues WHERE tenant_id = $1 ORDER BY 1"),
            ["priority"] = await ListAsync("SELECT DISTINCT priority FROM issues WHERE tenant_id = $1 AND priority IS NOT NULL ORDER BY 1"),
            ["epic"] = await ListAsync("SELECT DISTINCT epic_key FROM issues WHERE tenant_id = $1 AND epic_key IS NOT NULL ORDER BY 1"),
        };
    }
}
