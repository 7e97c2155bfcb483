using System.Net;
using System.Net.Http.Headers;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Api;

/// <summary>
/// <c>spiral serve</c> (CLI.md) runs the API: a separate process (the CLI as built), on a free port, against this class's
/// database; it answers health, the chat page and an authenticated endpoint, and stops cleanly on SIGTERM.
/// </summary>
public sealed class ServeCommandTests(PostgresServer server)
{
    [Fact]
    public async Task Spiral_serve_runs_the_api_on_a_free_port_and_stops_on_sigterm()
    {
        var ct = TestContext.Current.CancellationToken;
        var db = await server.DatabaseAsync(nameof(ServeCommandTests));
        var tenant = TestData.NewSlug("serve");
        var settings = new Dictionary<string, string?>(db.Configuration) { ["Auth:SigningKey"] = ApiFactory.SigningKey };
        Assert.Equal(0, (await TestData.CliAsync(settings, "tenant", "create", tenant)).ExitCode);
        var token = (await TestData.CliAsync(settings, "token", "create", "--tenant", tenant, "--role", "viewer", "--user", "ada")).Out.Trim();

        settings["ConnectionStrings:Redis"] = null;
        await using var process = ServeProcess.Start(settings, "--Jobs:Enabled=false");
        var live = await process.WaitForLiveAsync(ct);
        Assert.Equal("Healthy", live);

        using var http = process.Client();
        var page = await http.GetAsync(new Uri("/", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/v1/me", UriKind.Relative), ct)).StatusCode);
        using var me = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/me", UriKind.Relative));
        me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var answer = await http.SendAsync(me, ct);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains(tenant, await answer.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        await process.StopAsync(ct);
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("Application is shutting down", process.Output, StringComparison.Ordinal);
    }
}
