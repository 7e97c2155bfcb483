using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>
/// The optional Redis (<c>ConnectionStrings:Redis</c>) shared by the answer cache and the job event streams. Redis is
/// never required: <see cref="DatabaseAsync"/> is null when it is not configured, unreachable, or failed within the last
/// <see cref="AskOptions.RedisRetrySeconds"/>; callers then use their fallback. An outage is logged once when it starts and
/// once when it ends, never per request, and nothing waits on a dead Redis (fail-fast backlog, short timeouts).
/// </summary>
public sealed class RedisConnection(IConfiguration configuration, IOptions<AskOptions> options, ILogger<RedisConnection> logger, TimeProvider? clock = null)
    : IAsyncDisposable
{
    private readonly string? _connectionString = configuration.GetConnectionString("Redis") is { Length: > 0 } cs ? cs : null;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnectionMultiplexer? _multiplexer;
    private long _downUntilTicks;
    private int _down;

    public bool IsConfigured => _connectionString is not null;

    /// <summary>Whether Redis is currently treated as down (a failure within the retry window).</summary>
    public bool IsDown => Volatile.Read(ref _down) == 1;

    /// <summary>The database, or null when Redis is not configured or is (believed) down.</summary>
    public async ValueTask<IDatabase?> DatabaseAsync()
    {
        if (_connectionString is null || _clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _downUntilTicks))
        {
            return null;
        }

        var multiplexer = _multiplexer ?? await ConnectAsync();
        return multiplexer is { IsConnected: true } ? multiplexer.GetDatabase() : Unreachable();
    }

    /// <summary>The subscriber of the same connection, for pub/sub; null like <see cref="DatabaseAsync"/>.</summary>
    public async ValueTask<ISubscriber?> SubscriberAsync() =>
        await DatabaseAsync() is not null ? _multiplexer!.GetSubscriber() : null;

    /// <summary>A Redis call failed: use the fallback for a while; logged when the outage starts.</summary>
    public void Failed(Exception e, string operation)
    {
        Interlocked.Exchange(ref _downUntilTicks, _clock.GetUtcNow().AddSeconds(options.Value.RedisRetrySeconds).UtcTicks);
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            Log.RedisDown(logger, operation, e.GetType().Name, e.Message, options.Value.RedisRetrySeconds);
        }
    }

    /// <summary>A Redis call worked: if Redis was down, say that it is back.</summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref _down) == 1 && Interlocked.Exchange(ref _down, 0) == 1)
        {
            Log.RedisBack(logger);
        }
    }

    /// <summary>Whether an exception is Redis being unavailable (as opposed to a bug in how it is used).</summary>
    public static bool IsRedisFailure(Exception e) =>
        e is RedisException or RedisTimeoutException or RedisConnectionException or TimeoutException or ObjectDisposedException
            or System.Net.Sockets.SocketException or IOException;

    private IDatabase? Unreachable()
    {
        Failed(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "not connected"), "connect");
        return null;
    }

    private async Task<IConnectionMultiplexer?> ConnectAsync()
    {
        await _connecting.WaitAsync();
        try
        {
            if (_multiplexer is not null)
            {
                return _multiplexer;
            }

            var config = ConfigurationOptions.Parse(_connectionString!);
            var timeout = options.Value.RedisTimeoutMilliseconds;
            config.AbortOnConnectFail = false; // keep reconnecting in the background; a down Redis at start is not fatal
            config.ConnectTimeout = timeout;
            config.SyncTimeout = timeout;
            config.AsyncTimeout = timeout;
            config.ConnectRetry = 1;
            config.BacklogPolicy = BacklogPolicy.FailFast; // no queueing behind a dead connection: fail, fall back
            config.ClientName ??= "spiral";
            _multiplexer = await ConnectionMultiplexer.ConnectAsync(config);
            return _multiplexer;
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Failed(e, "connect");
            return null;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync();
        }

        _connecting.Dispose();
    }
}
