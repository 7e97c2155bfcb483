using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Catalog;

/// <summary>The shipped catalog folder, databases with it imported, and copies of it to edit.</summary>
public static class CatalogFixture
{
    public static string Folder => Path.Combine(RepoPaths.Root, "catalog");

    /// <summary>A migrated database of its own (catalog tables are global, so tests that change them never share one).</summary>
    public static Task<TestDatabase> DatabaseAsync(PostgresServer server, string name) => server.DatabaseAsync(name);

    /// <summary>A database with the shipped catalog imported through the CLI.</summary>
    public static async Task<TestDatabase> ImportedAsync(PostgresServer server, string name)
    {
        var db = await server.DatabaseAsync(name);
        var run = await TestData.CliAsync(db, "catalog", "import", Folder);
        Assert.True(run.ExitCode == 0, run.Error);
        return db;
    }

    public static IHost Host(TestDatabase db) => db.BuildHost(b => b.AddSpiralCatalog());

    public static T Service<T>(IHost host)
        where T : notnull => host.Services.GetRequiredService<T>();

    /// <summary>A temp copy of the shipped catalog with <paramref name="edit"/> applied to <c>{metric}.yaml</c>.</summary>
    public static (string Folder, string File) CopyWith(string metric, Func<string, string> edit)
    {
        var target = Directory.CreateTempSubdirectory("spiral-catalog-").FullName;
        foreach (var path in Directory.GetFiles(Folder, "*.yaml"))
        {
            File.Copy(path, Path.Combine(target, Path.GetFileName(path)));
        }

        var file = Path.Combine(target, metric + ".yaml");
        var text = File.ReadAllText(file);
        var edited = edit(text);
        Assert.NotEqual(text, edited);
        File.WriteAllText(file, edited);
        return (target, file);
    }

    public static int LineOf(string file, string fragment) =>
        Array.FindIndex(File.ReadAllLines(file), l => l.Contains(fragment, StringComparison.Ordinal)) + 1;

    public static async Task<long> ScalarAsync(TestDatabase db, string sql)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task ExecuteAsync(TestDatabase db, string sql)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
