using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Migrations;
using Testcontainers.PostgreSql;

[assembly: AssemblyFixture(typeof(SpiralAnalytics.Integration.Tests.Fixtures.PostgresServer))]

namespace SpiralAnalytics.Integration.Tests.Fixtures;

/// <summary>
/// The real PostgreSQL the data tests run against: the one scripts/local-up started (settings from the
/// environment or .local/env), or, on a machine with a Docker engine and no such server, a Testcontainers one.
/// Each test class gets its own migrated database; tests isolate themselves further with fresh tenants.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TestDatabase>>> _databases = new();
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private PostgreSqlContainer? _container;
    private NpgsqlConnectionStringBuilder _owner = null!;
    private NpgsqlConnectionStringBuilder _runtime = null!;

    public async ValueTask InitializeAsync()
    {
        var settings = RepoPaths.LocalSettings();
        _owner = new NpgsqlConnectionStringBuilder(settings.Owner);
        _runtime = new NpgsqlConnectionStringBuilder(settings.Runtime);
        if (await CanConnectAsync(_owner.ConnectionString))
        {
            return;
        }

        if (!DockerIsAvailable())
        {
            throw new InvalidOperationException(
                $"No PostgreSQL for the tests at {_owner.Host}:{_owner.Port} and no Docker engine: run scripts/local-up (scripts/test does).");
        }

        _container = new PostgreSqlBuilder("pgvector/pgvector:pg15").Build();
        await _container.StartAsync();
        var super = new NpgsqlConnectionStringBuilder(_container.GetConnectionString());
        await using (var connection = new NpgsqlConnection(super.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"""
                CREATE ROLE spiral_owner LOGIN CREATEDB BYPASSRLS PASSWORD '{_owner.Password}';
                CREATE ROLE spiral_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{_runtime.Password}';
                GRANT pg_signal_backend TO spiral_owner;
                """, connection);
            await command.ExecuteNonQueryAsync();
        }

        super.Database = "template1";
        await using (var template = new NpgsqlConnection(super.ConnectionString))
        {
            await template.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS vector", template);
            await command.ExecuteNonQueryAsync();
        }

        _owner.Host = _runtime.Host = super.Host;
        _owner.Port = _runtime.Port = super.Port;
    }

    private readonly ConcurrentDictionary<string, Lazy<Task<object>>> _shared = new();

    /// <summary>Data that several tests read and none changes, built once per run (e.g. seeded tenants).</summary>
    public async Task<T> OnceAsync<T>(string key, Func<Task<T>> create)
        where T : notnull =>
        (T)await _shared.GetOrAdd(key, _ => new Lazy<Task<object>>(async () => await create())).Value;

    /// <summary>The migrated database of one test class (created on first use).</summary>
    public Task<TestDatabase> DatabaseAsync(string name) =>
        _databases.GetOrAdd(name, n => new Lazy<Task<TestDatabase>>(() => CreateDatabaseAsync(n))).Value;

    /// <summary>A new, empty database that has not been migrated (for migrator tests).</summary>
    public async Task<TestDatabase> EmptyDatabaseAsync(string name)
    {
        var database = $"spiral_test_{_runId}_{name.ToLowerInvariant()}";
        await using (var admin = new NpgsqlConnection(With(_owner, "postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\" TEMPLATE template1", admin);
            await create.ExecuteNonQueryAsync();
        }

        var created = new TestDatabase(database, With(_owner, database), With(_runtime, database));
        _databases.TryAdd("empty:" + name, new Lazy<Task<TestDatabase>>(Task.FromResult(created)));
        return created;
    }

    private async Task<TestDatabase> CreateDatabaseAsync(string name)
    {
        var database = await EmptyDatabaseAsync(name);
        await new SqlMigrator(database.DataSources, NullLogger<SqlMigrator>.Instance)
            .MigrateAsync(MigrationSource.Embedded(), CancellationToken.None);
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        // Idle pooled connections of this process (hosts, factories, ad-hoc data sources) would keep a database in use.
        NpgsqlConnection.ClearAllPools();
        foreach (var lazy in _databases.Values.Where(l => l.IsValueCreated))
        {
            try
            {
                var database = await lazy.Value;
                await database.DisposeAsync();
                await DropAsync(database.Name);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // Dropping test databases is housekeeping: a leftover one must not fail a run whose tests passed.
                await Console.Error.WriteLineAsync($"test database cleanup: {e.Message}");
            }
        }

        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    private async Task DropAsync(string database)
    {
        await using var admin = new NpgsqlConnection(With(_owner, "postgres"));
        await admin.OpenAsync();
        try
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // FORCE may not terminate an autovacuum worker (busy after a refresh) as a non-superuser; a plain DROP makes it exit.
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\"", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static string With(NpgsqlConnectionStringBuilder builder, string database) =>
        new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Database = database }.ConnectionString;

    private static async Task<bool> CanConnectAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 3 }.ConnectionString);
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private static bool DockerIsAvailable() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } || File.Exists("/var/run/docker.sock");
}

/// <summary>One migrated test database: connection strings for both roles and the matching configuration.</summary>
public sealed class TestDatabase(string name, string owner, string runtime) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string OwnerConnectionString { get; } = owner;

    public string RuntimeConnectionString { get; } = runtime;

    public SpiralDataSources DataSources { get; } = SpiralDataSources.Create(owner, runtime);

    /// <summary>Configuration that points the application (host or CLI) at this database.</summary>
    public IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>
    {
        ["ConnectionStrings:Owner"] = OwnerConnectionString,
        ["ConnectionStrings:Runtime"] = RuntimeConnectionString,
    };

    /// <summary>A host wired exactly as the CLI and the API wire theirs, pointed at this database.</summary>
    public IHost BuildHost(Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Configuration);
        SpiralAnalytics.Infrastructure.DataServiceCollectionExtensions.AddSpiralData(builder);
        configure?.Invoke(builder);
        return builder.Build();
    }

    public ValueTask DisposeAsync() => DataSources.DisposeAsync();
}
