using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Query;

/// <summary>
/// Every result carries the tenant's data freshness: the newest refresh (its data version and end), the tenant's last import and
/// last Jira sync — read back from what the import, the refresh and the sync recorded, never another tenant's.
/// </summary>
public sealed class FreshnessTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Spec = """{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":2}}""";

    [Fact]
    public async Task Cli_and_api_results_carry_the_last_refresh_import_and_jira_sync_of_the_tenant()
    {
        var db = await server.DatabaseAsync(nameof(FreshnessTests));
        var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
        Assert.True(catalog.ExitCode == 0, catalog.Error);
        var slug = TestData.NewSlug("fresh");
        var other = TestData.NewSlug("other");
        await TestData.CreateTenantAsync(db, slug);
        await TestData.CreateTenantAsync(db, other);

        var beforeImport = Second(DateTimeOffset.UtcNow);
        var import = await TestData.CliAsync(db, "import", "csv", DemoBundle.Write(42), "--tenant", slug);
        Assert.True(import.ExitCode == 0, import.Error);
        var afterImport = DateTimeOffset.UtcNow;
        var refresh = await TestData.CliAsync(db, "refresh");
        Assert.True(refresh.ExitCode == 0, refresh.Error);

        // What the refresh recorded (its id is the data version), and a Jira sync of one board as the connector records it.
        var (version, refreshedAt) = await LastRefreshAsync(db);
        var synced = new DateTimeOffset(2024, 4, 24, 13, 58, 7, TimeSpan.Zero);
        await ExecuteAsOwnerAsync(db,
            "INSERT INTO jira_sync_state (tenant_id, site, board_id, team_key, last_sync_at, last_finished_at, last_issue_count) " +
            "VALUES (tenant_id_for_slug($1), 'https://jira.example', 7, 'ATL', $2 - interval '1 minute', $2, 12)", slug, synced);
        // Another tenant's later import and sync are never this tenant's freshness.
        var otherImport = await TestData.CliAsync(db, "import", "csv", DemoBundle.Write(7), "--tenant", other);
        Assert.True(otherImport.ExitCode == 0, otherImport.Error);
        await ExecuteAsOwnerAsync(db,
            "INSERT INTO jira_sync_state (tenant_id, site, board_id, team_key, last_sync_at, last_finished_at, last_issue_count) " +
            "VALUES (tenant_id_for_slug($1), 'https://jira.example', 8, 'ATL', $2, $2, 3)", other, synced.AddHours(5));

        var json = await TestData.CliAsync(db, "query", "--spec", SpecFile(Spec), "--tenant", slug, "--as-of", "2024-04-25", "--json");
        Assert.True(json.ExitCode == 0, json.Error);
        var freshness = JsonNode.Parse(json.Out)!["freshness"]!;
        Assert.Equal(version, freshness["data_version"]!.GetValue<long>());
        Assert.Equal(Iso(refreshedAt), freshness["refreshed_at"]!.GetValue<string>());
        var importedAt = DateTimeOffset.Parse(freshness["imported_at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange(importedAt, beforeImport, afterImport);
        Assert.Equal("2024-04-24T13:58:07Z", freshness["jira_synced_at"]!.GetValue<string>());
        Assert.False(freshness["pending_refresh"]!.GetValue<bool>());

        // The human output says it in one line.
        var text = await TestData.CliAsync(db, "query", "--spec", SpecFile(Spec), "--tenant", slug, "--as-of", "2024-04-25");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains($"data as of {Short(refreshedAt)} (refresh {version}), imported {Short(importedAt)}, synced from Jira 2024-04-24 13:58 UTC", text.Out,
            StringComparison.Ordinal);

        // The API's result object carries the same.
        await using var api = new ApiFactory(db);
        using var client = api.CreateClient(slug, SpiralRoles.Viewer);
        var result = await ApiAssert.OkAsync(await client.PostRawAsync("/api/v1/query?as_of=2024-04-25", Spec));
        Assert.Equal(freshness.ToJsonString(), JsonSerializer.Serialize(result.GetProperty("freshness")));

        // A newer import without a refresh: the import time moves past the refresh, and the answer says the views lag it.
        var again = await TestData.CliAsync(db, "import", "csv", DemoBundle.Write(42), "--tenant", slug);
        Assert.True(again.ExitCode == 0, again.Error);
        var later = await ApiAssert.OkAsync(await client.PostRawAsync("/api/v1/query?as_of=2024-04-25", Spec));
        var laterFreshness = later.GetProperty("freshness");
        Assert.Equal(version, laterFreshness.GetProperty("data_version").GetInt64());
        Assert.True(string.CompareOrdinal(laterFreshness.GetProperty("imported_at").GetString(), Iso(refreshedAt)) >= 0);
        Assert.True(laterFreshness.GetProperty("pending_refresh").GetBoolean(), "an import after the refresh is pending, even within the same second");
        var lagging = await TestData.CliAsync(db, "query", "--spec", SpecFile(Spec), "--tenant", slug, "--as-of", "2024-04-25");
        Assert.Contains("newer data is loaded but not refreshed yet", lagging.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tenant_that_never_imported_nor_synced_has_null_times_written_out()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        // The seeded tenant was loaded by the importer: its import is recorded; no Jira sync ever ran for it.
        using var host = QueryFixture.Host(seeded.Db);
        var result = await QueryFixture.Executor(host).ExecuteAsync(Spec, seeded.Slug, QueryFixture.AsOf, null, Ct);
        var node = JsonSerializer.SerializeToNode(result, SpiralAnalytics.Infrastructure.Queries.QueryJsonContext.Default.QueryResult)!["freshness"]!.AsObject();
        Assert.True(node.ContainsKey("jira_synced_at"));
        Assert.Null(node["jira_synced_at"]);
        Assert.NotNull(node["imported_at"]);
        Assert.NotNull(node["refreshed_at"]);
    }

    private static DateTimeOffset Second(DateTimeOffset at) => new(at.Year, at.Month, at.Day, at.Hour, at.Minute, at.Second, TimeSpan.Zero);

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Short(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    private static string SpecFile(string json)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("spiral-spec-").FullName, "spec.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static async Task<(long Version, DateTimeOffset FinishedAt)> LastRefreshAsync(TestDatabase db)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT id, finished_at FROM analytics_refreshes ORDER BY id DESC LIMIT 1", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        return (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
    }

    private static async Task ExecuteAsOwnerAsync(TestDatabase db, string sql, string slug, DateTimeOffset at)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = slug });
        command.Parameters.Add(new NpgsqlParameter { Value = at });
        await command.ExecuteNonQueryAsync(Ct);
    }
}
