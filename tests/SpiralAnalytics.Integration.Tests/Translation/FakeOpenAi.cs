using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SpiralAnalytics.Integration.Tests.Translation;

/// <summary>What the fake model does for one request: answer with content, fail with a status, or take its time first.</summary>
public sealed record FakeReply(string? Content, int Status = 200, TimeSpan Delay = default, string? RawBody = null)
{
    /// <summary>A 200 whose body is this text, not a chat completion.</summary>
    public static FakeReply Raw(string body) => new(null, RawBody: body);

    public static FakeReply Answer(string content) => new(content);

    public static FakeReply Fails(int status) => new(null, status);

    public static FakeReply Slow(TimeSpan delay, string content) => new(content, Delay: delay);
}

/// <summary>
/// A local OpenAI-compatible chat completions server (<c>POST /v1/chat/completions</c>) that plays scripted replies in order
/// and records every request body, so tests drive Semantic Kernel's real OpenAI connector over real HTTP.
/// </summary>
public sealed class FakeOpenAi : IAsyncDisposable
{
    private readonly ConcurrentQueue<FakeReply> _replies;
    private readonly ConcurrentQueue<JsonObject> _requests = new();
    private readonly ConcurrentQueue<string> _authorizations = new();
    private WebApplication? _app;

    private FakeOpenAi(IEnumerable<FakeReply> replies) => _replies = new ConcurrentQueue<FakeReply>(replies);

    /// <summary>The base URL to configure as <c>Translator:Llm:Endpoint</c> (…/v1).</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every chat completion request body received, in order.</summary>
    public IReadOnlyList<JsonObject> Requests => _requests.ToList();

    /// <summary>The Authorization header of every request ("" when absent).</summary>
    public IReadOnlyList<string> Authorizations => _authorizations.ToList();

    public static async Task<FakeOpenAi> StartAsync(params FakeReply[] replies)
    {
        var fake = new FakeOpenAi(replies);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        fake._app = builder.Build();
        fake._app.MapPost("/v1/chat/completions", fake.CompleteAsync);
        await fake._app.StartAsync(TestContext.Current.CancellationToken);
        fake.Endpoint = new Uri(fake._app.Urls.Single().TrimEnd('/') + "/v1");
        return fake;
    }

    /// <summary>An endpoint nobody listens on: connections are refused.</summary>
    public static Uri RefusingEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/v1");
    }

    /// <summary>The text of every message of request <paramref name="index"/>, by role, in order.</summary>
    public IReadOnlyList<(string Role, string Content)> Messages(int index) =>
        Requests[index]["messages"]!.AsArray().Select(m => ((string)m!["role"]!, ContentOf(m["content"]))).ToList();

    private static string ContentOf(JsonNode? content) => content switch
    {
        JsonValue value => (string)value!,
        JsonArray parts => string.Concat(parts.Select(p => (string?)p?["text"] ?? "")),
        _ => "",
    };

    private async Task CompleteAsync(HttpContext http)
    {
        var body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        _authorizations.Enqueue(http.Request.Headers.Authorization.ToString());
        _requests.Enqueue(body!.AsObject());
        if (!_replies.TryDequeue(out var reply))
        {
            reply = FakeReply.Fails(500);
        }

        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up, as it should
            }
        }

        if (reply.RawBody is { } raw)
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(raw, http.RequestAborted);
            return;
        }

        if (reply.Status != 200)
        {
            http.Response.StatusCode = reply.Status;
            await http.Response.WriteAsJsonAsync(new JsonObject
            {
                ["error"] = new JsonObject { ["message"] = "scripted failure", ["type"] = "server_error", ["code"] = null },
            }, http.RequestAborted);
            return;
        }

        await http.Response.WriteAsJsonAsync(new JsonObject
        {
            ["id"] = $"chatcmpl-{_requests.Count}",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = (string?)body["model"] ?? "fake",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 100, ["completion_tokens"] = 20, ["total_tokens"] = 120 },
        }, http.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
