using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
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

        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { CliBinary(), "serve", "--urls", $"http://127.0.0.1:{port}", "--Jobs:Enabled=false" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment.Remove("ConnectionStrings__Redis");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            var live = await WaitForLiveAsync(http, process, ct);
            Assert.Equal("Healthy", live);

            var page = await http.GetAsync(new Uri("/", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/v1/me", UriKind.Relative), ct)).StatusCode);
            using var me = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/me", UriKind.Relative));
            me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var answer = await http.SendAsync(me, ct);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Contains(tenant, await answer.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(ct);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            stop.CancelAfter(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(stop.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Application is shutting down", await output, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                TestContext.Current.TestOutputHelper?.WriteLine(await errors);
            }
        }
    }

    private static async Task<string> WaitForLiveAsync(HttpClient http, Process process, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            Assert.False(process.HasExited, $"spiral serve exited with {(process.HasExited ? process.ExitCode : 0)} before answering");
            try
            {
                var response = await http.GetAsync(new Uri("/health/live", UriKind.Relative), ct);
                if (response.IsSuccessStatusCode)
                {
                    return await response.Content.ReadAsStringAsync(ct);
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200, ct);
        }

        throw new TimeoutException("spiral serve did not answer /health/live within 90 s");
    }

    /// <summary>
    /// The CLI in its own build output (this project builds it, same configuration): the copy beside the tests lacks the
    /// package assemblies its deps file names where the test host's framework already provides them.
    /// </summary>
    private static string CliBinary()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(RepoPaths.Root, "src", "SpiralAnalytics.Cli", "bin", output.Parent!.Name, output.Name, "spiral.dll");
        Assert.True(File.Exists(path), $"the CLI is not built at {path}");
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
