using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests;

/// <summary>The CLI's contract (CLI.md): exit codes 0 success, 1 user error, 2 usage, 3 service unreachable.</summary>
public sealed class CliTests(PostgresServer server)
{
    [Fact]
    public async Task Tenant_create_is_idempotent()
    {
        var db = await server.DatabaseAsync(nameof(CliTests));
        var slug = TestData.NewSlug("cli");

        var first = await TestData.CliAsync(db, "tenant", "create", slug, "--name", "Team Atlas");
        var second = await TestData.CliAsync(db, "tenant", "create", slug);

        Assert.Equal(0, first.ExitCode);
        Assert.StartsWith($"created tenant '{slug}' (Team Atlas)", first.Out, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.StartsWith($"tenant '{slug}' (Team Atlas) already exists", second.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("-leading-dash")]
    [InlineData("semi;colon")]
    public async Task An_invalid_tenant_slug_is_a_user_error(string slug)
    {
        var db = await server.DatabaseAsync(nameof(CliTests));

        var run = await TestData.CliAsync(db, "tenant", "create", slug);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"tenant '{slug}' is not a valid slug", run.Error);
    }

    [Theory]
    [InlineData("no-such-command")]
    [InlineData("import", "csv")]
    [InlineData("import", "csv", "dir")]
    [InlineData("tenant", "create", "a", "--bogus")]
    public async Task Bad_usage_exits_with_2(params string[] args)
    {
        var run = await TestData.CliAsync((IReadOnlyDictionary<string, string?>?)null, args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("spiral --help", run.Error);
    }

    [Fact]
    public async Task An_unreachable_database_exits_with_3()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Owner"] = "Host=127.0.0.1;Port=1;Database=x;Username=x;Password=x;Timeout=2",
            ["ConnectionStrings:Runtime"] = "Host=127.0.0.1;Port=1;Database=x;Username=x;Password=x;Timeout=2",
        };

        var run = await TestData.CliAsync(configuration, "migrate");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("PostgreSQL is unreachable", run.Error);
    }

    [Fact]
    public async Task Wrong_credentials_exit_with_3()
    {
        var db = await server.DatabaseAsync(nameof(CliTests));
        var configuration = new Dictionary<string, string?>(db.Configuration)
        {
            ["ConnectionStrings:Owner"] = new Npgsql.NpgsqlConnectionStringBuilder(db.OwnerConnectionString) { Password = "wrong" }.ConnectionString,
        };

        var run = await TestData.CliAsync(configuration, "migrate");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("PostgreSQL refused the connection", run.Error);
    }
}
