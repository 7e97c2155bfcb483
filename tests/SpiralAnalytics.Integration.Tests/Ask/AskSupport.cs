using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Translation;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Ask;

/// <summary>A migrated database with the shipped catalog, a seeded tenant and another tenant, refreshed once.</summary>
public static class AskFixture
{
    public static readonly DateTimeOffset AsOf = QueryFixture.AsOf;

    public const string AsOfText = "2024-04-25T00:00:00Z";

    public static Task<QueryFixture.Seeded> SeededAsync(PostgresServer server, string name) => QueryFixture.SeededAsync(server, name);

    /// <summary>The API with Hangfire on (its own workers), the test translator, and Redis unless <paramref name="redis"/> is empty.</summary>
    public static WebApplicationFactory<Program> Api(TestDatabase db, TestTranslator translator, string? redis = null, int workers = 2,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Jobs:Enabled"] = "true",
            ["Jobs:Workers"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Jobs:QueuePollMilliseconds"] = "200",
            ["Jobs:SchedulePollSeconds"] = "1",
            ["Jobs:RefreshCron"] = "0 0 1 1 *",
            ["ConnectionStrings:Redis"] = redis ?? RepoPaths.LocalSettings().Redis,
            // POST /api/v1/ask is rate limited per tenant (policy ask); these tests ask up to 100 questions at once
            ["RateLimits:Ask:PermitLimit"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new ApiFactory(db, all).WithWebHostBuilder(b =>
            b.ConfigureTestServices(s => s.AddSingleton<IQuestionTranslator>(translator)));
    }

    public static HttpClient Client(WebApplicationFactory<Program> api, string tenant, string user = "lead-1")
    {
        var token = api.Services.GetRequiredService<TokenIssuer>().Create(tenant, SpiralRoles.Lead, user);
        var client = api.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(5);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The runtime views an executed query reads: a test that locks them holds a query in <c>executing</c>.</summary>
    public static readonly IReadOnlyList<string> RuntimeViews =
        ["sprint_issue_facts", "sprint_stats", "issue_flow", "issue_events", "team_daily_wip", "issue_idle_segments", "issue_comment_stats"];

    /// <summary>A question the test translator answers with <paramref name="specJson"/>.</summary>
    public static string Question(string specJson) => "spec: " + specJson;

    public static async Task<JsonObject> AskAsync(HttpClient client, string question, Guid? conversation = null, string? asOf = AsOfText)
    {
        var body = new JsonObject { ["question"] = question };
        if (conversation is { } c)
        {
            body["conversation_id"] = c.ToString();
        }

        if (asOf is not null)
        {
            body["as_of"] = asOf;
        }

        using var response = await client.PostAsJsonAsync("/api/v1/ask", body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static Guid JobId(JsonObject accepted) => Guid.Parse((string)accepted["job_id"]!);

    /// <summary>The question asked in one request (<c>Accept: text/event-stream</c>): its events, heartbeats left out, read to the response's end.</summary>
    public static async Task<List<SseEvent>> StreamAsync(HttpClient client, string question, string? asOf = AsOfText)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/ask")
        {
            Content = JsonContent.Create(new { question, as_of = asOf }),
        };
        request.Headers.Accept.ParseAdd("text/event-stream");
        var events = new List<SseEvent>();
        await foreach (var e in Sse.ReadAsync(client, request, TestContext.Current.CancellationToken))
        {
            if (e.Type != "heartbeat")
            {
                events.Add(e);
            }
        }

        return events;
    }
}

/// <summary>
/// The translator of these tests: "spec: {json}" is that spec, "clarify: reason" a clarification, "fail: transient" a
/// transient database error (once per question, then the spec after it). A gate can hold translations until released.
/// Every request is recorded (follow-ups carry the previous spec).
/// </summary>
public sealed class TestTranslator : IQuestionTranslator
{
    private readonly ConcurrentDictionary<string, int> _failures = new();

    public ConcurrentQueue<TranslationRequest> Requests { get; } = new();

    public TaskCompletionSource? Gate { get; set; }

    public async Task<TranslationOutcome> TranslateAsync(string tenant, TranslationRequest request, CancellationToken ct)
    {
        Requests.Enqueue(request);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(ct);
        }

        var q = request.Question;
        if (q.StartsWith("clarify: ", StringComparison.Ordinal))
        {
            return TranslationOutcome.Ask(new Clarification(q["clarify: ".Length..],
                [new ClarificationOption("Spillover", "spillover by team"), new ClarificationOption("Velocity", "velocity by team")]), "test");
        }

        if (q.StartsWith("fail once: ", StringComparison.Ordinal))
        {
            if (_failures.AddOrUpdate(q, 1, (_, n) => n + 1) == 1)
            {
                throw new Npgsql.PostgresException("could not serialize access", "ERROR", "ERROR", Npgsql.PostgresErrorCodes.SerializationFailure);
            }

            q = q["fail once: ".Length..];
        }

        if (q.StartsWith("fail always: ", StringComparison.Ordinal))
        {
            throw new Npgsql.PostgresException("could not serialize access", "ERROR", "ERROR", Npgsql.PostgresErrorCodes.SerializationFailure);
        }

        var parsed = SpecJson.Parse(q["spec: ".Length..]);
        Assert.True(parsed.IsValid, $"test question '{q}' is not a spec");
        return TranslationOutcome.Of(parsed.Spec!, "test", ["a test translation"]);
    }
}

/// <summary>One Server-Sent Event as received.</summary>
public sealed record SseEvent(string? Id, string Type, string Data)
{
    public JsonObject Json => JsonNode.Parse(Data)!.AsObject();
}

/// <summary>A minimal SSE reader over HttpClient (what EventSource does: id, event, data lines; a blank line ends an event).</summary>
public static class Sse
{
    public static IAsyncEnumerable<SseEvent> ReadAsync(HttpClient client, string url, string? lastEventId = null, CancellationToken ct = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return ReadAsync(client, request, ct);
    }

    /// <summary>The events of any request answered with an event stream (e.g. an ask sent with <c>Accept: text/event-stream</c>).</summary>
    public static async IAsyncEnumerable<SseEvent> ReadAsync(HttpClient client, HttpRequestMessage request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        using var sent = request;
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream);
        string? id = null, type = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0 || type is not null)
                {
                    yield return new SseEvent(id, type ?? "message", string.Join('\n', data));
                }

                id = type = null;
                data.Clear();
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data.Add(value); break;
            }
        }
    }

    /// <summary>All events (heartbeats left out unless asked for) until the stream ends, within <paramref name="timeout"/>.</summary>
    public static async Task<List<SseEvent>> AllAsync(HttpClient client, string url, string? lastEventId = null, TimeSpan? timeout = null, bool heartbeats = false)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        var events = new List<SseEvent>();
        await foreach (var e in ReadAsync(client, url, lastEventId, cts.Token))
        {
            if (heartbeats || e.Type != "heartbeat")
            {
                events.Add(e);
            }
        }

        return events;
    }

    /// <summary>Events until (and including) the first of type <paramref name="type"/>; then the connection is dropped.</summary>
    public static async Task<List<SseEvent>> UntilAsync(HttpClient client, string url, string type, string? lastEventId = null, TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        var events = new List<SseEvent>();
        await foreach (var e in ReadAsync(client, url, lastEventId, cts.Token))
        {
            if (e.Type == "heartbeat")
            {
                continue;
            }

            events.Add(e);
            if (e.Type == type)
            {
                break;
            }
        }

        return events;
    }
}

/// <summary>A redis-server of the test's own on a free port, to stop in the middle of a run.</summary>
public sealed class OwnRedis : IDisposable
{
    private readonly Process _process;

    public OwnRedis()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        _process = Process.Start(new ProcessStartInfo("redis-server", $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50); // the server is starting; this is process start-up, not waiting on a job
            }
        }

        throw new InvalidOperationException("redis-server did not start");
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }
}

/// <summary>Host for pipeline-level tests: the same services as the API (AddSpiralAsk), no Hangfire, the test translator.</summary>
public static class AskHost
{
    public static IHost Build(TestDatabase db, TestTranslator translator, string? redis = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis ?? "" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return db.BuildHost(b =>
        {
            Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(b.Configuration, all);
            b.AddSpiralCatalog();
            b.AddSpiralQueries();
            b.AddSpiralAsk();
            b.Services.AddSingleton<IQuestionTranslator>(translator);
        });
    }
}
