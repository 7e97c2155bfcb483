using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Api;

public sealed class TokenCliTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestDatabase Db, Dictionary<string, string?> Config)> SetupAsync()
    {
        var db = await server.DatabaseAsync(nameof(TokenCliTests));
        return (db, new Dictionary<string, string?>(db.Configuration) { ["Auth:SigningKey"] = ApiFactory.SigningKey });
    }

    [Fact]
    public async Task Token_create_prints_only_a_token_the_API_accepts()
    {
        var (db, config) = await SetupAsync();
        var slug = TestData.NewSlug("tok");
        await TestData.CreateTenantAsync(db, slug);

        var run = await TestData.CliAsync(config, "token", "create", "--tenant", slug, "--role", "admin", "--user", "grace");

        Assert.Equal(0, run.ExitCode);
        var token = Assert.Single(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3, token.Split('.').Length);
        await using var api = new ApiFactory(db);
        using var client = api.CreateClient(token.Trim());
        var me = await client.GetStringAsync("/api/v1/me", Ct);
        Assert.Contains("\"grace\"", me, StringComparison.Ordinal);
        Assert.Contains($"\"{slug}\"", me, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_create_operator_prints_a_token_without_a_tenant_that_tenant_endpoints_refuse()
    {
        var (db, config) = await SetupAsync();

        var run = await TestData.CliAsync(config, "token", "create", "--operator", "--user", "ops");

        Assert.Equal(0, run.ExitCode);
        var token = Assert.Single(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim();
        var claims = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Claims.ToDictionary(c => c.Type, c => c.Value);
        Assert.Equal("operator", claims["role"]);
        Assert.Equal("ops", claims["sub"]);
        Assert.False(claims.ContainsKey("tenant"));
        await using var api = new ApiFactory(db);
        using var client = api.CreateClient(token);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("--operator", "--tenant", "x")]
    [InlineData("--operator", "--role", "admin")]
    [InlineData("--tenant", "x")]
    [InlineData("--role", "lead")]
    public async Task Token_create_with_operator_and_a_tenant_or_without_either_exits_2(params string[] options)
    {
        var (_, config) = await SetupAsync();

        var run = await TestData.CliAsync(config, ["token", "create", .. options]);

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task Token_create_for_an_unknown_tenant_exits_1()
    {
        var (_, config) = await SetupAsync();

        var run = await TestData.CliAsync(config, "token", "create", "--tenant", "no-such-tenant", "--role", "lead");

        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Out);
        Assert.Contains("no-such-tenant", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_create_operator_opens_the_operator_path_and_no_tenant_endpoint()
    {
        var (db, config) = await SetupAsync();

        var run = await TestData.CliAsync(config, "token", "create", "--operator", "--user", "ops");
        var mixed = await TestData.CliAsync(config, "token", "create", "--operator", "--tenant", "x");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(2, mixed.ExitCode);
        await using var api = new ApiFactory(db);
        using var client = api.CreateClient(run.Out.Trim());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/operator/metrics/no_such_metric", Ct)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/metrics", Ct)).StatusCode);
    }

    [Fact]
    public async Task Token_create_with_an_unknown_role_exits_2()
    {
        var (_, config) = await SetupAsync();

        var run = await TestData.CliAsync(config, "token", "create", "--tenant", "x", "--role", "owner");

        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task Token_create_without_a_signing_key_exits_3()
    {
        var (db, _) = await SetupAsync();
        var slug = TestData.NewSlug("tok");
        await TestData.CreateTenantAsync(db, slug);

        var run = await TestData.CliAsync(new Dictionary<string, string?>(db.Configuration) { ["Auth:SigningKey"] = "" }, "token", "create", "--tenant", slug, "--role", "lead");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("SigningKey", run.Error, StringComparison.Ordinal);
    }
}
