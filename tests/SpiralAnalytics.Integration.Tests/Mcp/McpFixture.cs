using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Translation;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Mcp;

/// <summary>
/// The MCP tests' database: the shipped catalog, tenant <see cref="Seeded.Slug"/> with the query tests' demo data (teams
/// Atlas, Phoenix, Orion) and tenant <see cref="Seeded.Other"/> with the small bundle (team "Small Team"), refreshed once.
/// The API runs on a real Kestrel port; the tests talk to it with the SDK's own MCP client over streamable HTTP.
/// </summary>
public static class McpFixture
{
    public const string AsOf = "2024-04-25";

    public sealed record Seeded(TestDatabase Db, string Slug, string Other);

    public static Task<Seeded> SeededAsync(PostgresServer server) =>
        server.OnceAsync("mcp:seeded", async () =>
        {
            var db = await server.DatabaseAsync("McpTests");
            var ct = TestContext.Current.CancellationToken;
            var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
            Assert.True(catalog.ExitCode == 0, catalog.Error);
            var slug = TestData.NewSlug("mcp");
            await TestData.CreateTenantAsync(db, slug);
            var other = TestData.NewSlug("mcp-other");
            await TestData.CreateTenantAsync(db, other);
            using var host = QueryFixture.Host(db);
            await host.Services.GetRequiredService<BundleImporter>().ImportAsync(DemoBundle.Write(42), slug, ct);
            await host.Services.GetRequiredService<BundleImporter>().ImportAsync(SmallBundle.Write(), other, ct);
            await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, ct);
            return new Seeded(db, slug, other);
        });

    /// <summary>The API listening on a free loopback port (Hangfire off: asks run in process), and its address.</summary>
    public static (WebApplicationFactory<Program> Api, Uri BaseAddress) Start(TestDatabase db, IReadOnlyDictionary<string, string?>? settings = null,
        IQuestionTranslator? translator = null)
    {
        WebApplicationFactory<Program> api = new ApiFactory(db, settings);
        if (translator is not null)
        {
            api = api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton(translator)));
        }

        api.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        api.StartServer();
        var address = api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (api, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    public static string Token(WebApplicationFactory<Program> api, string tenant, string role = SpiralRoles.Lead, string user = "mia") =>
        api.Services.GetRequiredService<TokenIssuer>().Create(tenant, role, user);

    /// <summary>An MCP client of <c>/mcp</c> over streamable HTTP, sending <c>Authorization: Bearer</c> when a token is given.</summary>
    public static async Task<McpClient> ConnectAsync(Uri baseAddress, string? token)
    {
        var options = new HttpClientTransportOptions
        {
            Endpoint = new Uri(baseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            Name = "spiral-tests",
        };
        if (token is not null)
        {
            options.AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" };
        }

        return await McpClient.CreateAsync(new HttpClientTransport(options), cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>An HTTP client of the same API with the same token (to compare with the REST endpoints).</summary>
    public static HttpClient Http(Uri baseAddress, string token)
    {
        var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public static Task<CallToolResult> CallAsync(this McpClient client, string tool, Dictionary<string, object?> arguments) =>
        client.CallToolAsync(tool, arguments, cancellationToken: TestContext.Current.CancellationToken).AsTask();

    /// <summary>The structured content of a result, asserting whether it is an error.</summary>
    public static JsonElement Structured(this CallToolResult result, bool error = false)
    {
        var text = string.Join('\n', result.Content.OfType<TextContentBlock>().Select(t => t.Text));
        Assert.True(error == (result.IsError ?? false), $"expected isError={error}: {text}");
        Assert.NotNull(result.StructuredContent);
        return result.StructuredContent!.Value;
    }

    public static string Text(this CallToolResult result) => string.Join('\n', result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public static JsonElement Spec(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
