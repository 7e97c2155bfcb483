using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SpiralAnalytics.Integration.Tests.Fixtures;

/// <summary>
/// <c>spiral serve</c> as a process of its own (the CLI as built), on a free loopback port, configured through environment
/// variables the way a deployment configures it. Disposing stops it with SIGTERM (killed after 30 s); <see cref="Kill"/>
/// ends it at once, as a crashed node ends.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServeProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the process; <paramref name="settings"/> become environment variables (<c>a:b</c> → <c>a__b</c>, null removes one).</summary>
    public static ServeProcess Start(IReadOnlyDictionary<string, string?> settings, params string[] arguments)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[] { CliBinary(), "serve", "--urls", $"http://127.0.0.1:{port}" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            var name = key.Replace(":", "__", StringComparison.Ordinal);
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return new ServeProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
    }

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(2) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Waits until <c>/health/live</c> answers (90 s at most) and returns its body.</summary>
    public async Task<string> WaitForLiveAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            Assert.False(_process.HasExited, $"spiral serve exited with {(_process.HasExited ? _process.ExitCode : 0)} before answering: {Output}");
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

            await Task.Delay(200, ct); // a process starting: nothing to wait on but its port
        }

        throw new TimeoutException($"spiral serve did not answer /health/live within 90 s: {Output}");
    }

    /// <summary>SIGTERM, then the exit (30 s at most).</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(ct);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(stop.Token);
    }

    /// <summary>SIGKILL: no shutdown, no cleanup, as a node that crashes or loses its machine.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await StopAsync(CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
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
