using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Api;

public sealed class HealthTests(PostgresServer server)
{
    private static WebApplicationFactory<Program> Factory(IReadOnlyDictionary<string, string?> configuration) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in configuration)
            {
                b.UseSetting(key, value);
            }

            b.UseSetting("Jobs:Enabled", "false");
            b.UseSetting("Auth:SigningKey", ApiFactory.SigningKey);
        });

    [Fact]
    public async Task Ready_and_live_answer_200_without_a_token_when_PostgreSQL_answers()
    {
        var db = await server.DatabaseAsync(nameof(HealthTests));
        await using var factory = Factory(db.Configuration);
        using var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Ready_is_503_and_live_200_when_PostgreSQL_is_unreachable()
    {
        const string nowhere = "Host=127.0.0.1;Port=1;Database=x;Username=x;Password=x;Timeout=2";
        await using var factory = Factory(new Dictionary<string, string?> { ["ConnectionStrings:Owner"] = nowhere, ["ConnectionStrings:Runtime"] = nowhere });
        using var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode);
    }
}
