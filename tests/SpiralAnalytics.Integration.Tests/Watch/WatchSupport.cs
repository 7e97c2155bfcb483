using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SpiralAnalytics.Infrastructure.Overview;

namespace SpiralAnalytics.Integration.Tests.Watch;

/// <summary>A provider that always throws: registered beside the real ones, its card must show the error and nothing else may.</summary>
internal sealed class FailingProvider : IOverviewProvider
{
    public string Name => "broken_provider";

    public Task<OverviewCard> ComputeAsync(OverviewRequest request, CancellationToken ct) =>
        throw new InvalidOperationException("the provider's data source is down");
}

/// <summary>A provider that never answers (and ignores its token): the overview must give up on it after the timeout.</summary>
internal sealed class HangingProvider : IOverviewProvider
{
    public string Name => "hanging_provider";

    public async Task<OverviewCard> ComputeAsync(OverviewRequest request, CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromMinutes(5), CancellationToken.None);
        throw new InvalidOperationException("unreachable");
    }
}

/// <summary>Collects log entries (category, event id, message) so a test can see what was logged and with which name.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, int EventId, LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((category, eventId.Id, logLevel, formatter(state, exception)));
    }
}

/// <summary>One request the webhook receiver got: headers that matter and the raw body bytes.</summary>
internal sealed record ReceivedHook(string? Signature, string? Delivery, string? Attempt, string? ContentType, byte[] Body);

/// <summary>
/// A real HTTP receiver for webhooks: Kestrel on 127.0.0.1 with a free port, answering each POST with <see cref="Status"/>
/// and keeping what it received.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedHook> Received { get; } = new();

    private readonly SemaphoreSlim _arrived = new(0);

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived (each arrival is signalled), or fails after the timeout.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        while (Received.Count < count)
        {
            try
            {
                await _arrived.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Assert.Fail($"the receiver got {Received.Count} of {count} requests within {timeout.TotalSeconds} s");
            }
        }
    }

    public int Status { get; set; } = 204;

    public Uri Url { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            receiver.Received.Enqueue(new ReceivedHook(http.Request.Headers["X-Spiral-Signature"], http.Request.Headers["X-Spiral-Delivery"],
                http.Request.Headers["X-Spiral-Attempt"], http.Request.ContentType, buffer.ToArray()));
            receiver._arrived.Release();
            return Results.StatusCode(receiver.Status);
        });
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hook");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }
}
