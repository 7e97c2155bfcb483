using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Api;

/// <summary>
/// The API in-process against one test class's migrated database, Hangfire off, signing tokens with a test key.
/// <see cref="CreateClient(string, string, string?)"/> gives a client that sends a bearer token for a tenant and role.
/// </summary>
public sealed class ApiFactory(TestDatabase db, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    /// <summary>The tests' own key: never the one in .local/env.</summary>
    public const string SigningKey = "spiral-integration-tests-signing-key-not-for-production";

    public TestDatabase Database { get; } = db;

    /// <summary>The API of <paramref name="testClass"/>'s database (created and migrated on first use).</summary>
    public static async Task<ApiFactory> CreateAsync(PostgresServer server, string testClass, IReadOnlyDictionary<string, string?>? settings = null) =>
        new(await server.DatabaseAsync(testClass), settings);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in Database.Configuration)
        {
            builder.UseSetting(key, value);
        }

        builder.UseSetting("Jobs:Enabled", "false");
        builder.UseSetting("Auth:SigningKey", SigningKey);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }

    public TokenIssuer Tokens => Services.GetRequiredService<TokenIssuer>();

    public string Token(string tenant, string role, string? user = null) => Tokens.Create(tenant, role, user);

    /// <summary>A client whose requests carry a bearer token for <paramref name="tenant"/> and <paramref name="role"/>.</summary>
    public HttpClient CreateClient(string tenant, string role, string? user = null) => CreateClient(Token(tenant, role, user));

    public HttpClient CreateClient(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
