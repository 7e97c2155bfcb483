using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Queries;

/// <summary>Where the watch stood for a tenant when its context's stamp was read: compared later, equal means nothing was heard since.</summary>
public readonly record struct WatchMark(long Epoch, long Tenant);

/// <summary>
/// What this process has heard of changes to tenants' contexts: the database announces every write to a table the stamp
/// reads (<see cref="TenantContextCache.StampColumns"/>) on <see cref="Channel"/> when it commits (migration 0022), with the
/// tenant's id, or <c>*</c> for a change every tenant sees (a refresh, the shipped catalog). A context read after a
/// <see cref="Mark"/> is still current while <see cref="Unmoved"/>: the listener was connected the whole time and no
/// notice for the tenant came. Losing the connection, or regaining it, moves every tenant (notices may have been missed),
/// so without a listener (the CLI, a lost connection) nothing is ever unmoved and every use reads the stamp.
/// </summary>
public sealed class ContextWatch
{
    public const string Channel = "spiral_context";

    private readonly ConcurrentDictionary<Guid, long> _tenants = new();
    private long _epoch;
    private volatile bool _listening;

    /// <summary>Whether the listener is connected and listening now.</summary>
    public bool Listening => _listening;

    /// <summary>Taken before a stamp is read, so a notice that arrives while it is read counts as a move.</summary>
    public WatchMark Mark(Guid tenantId) => new(Interlocked.Read(ref _epoch), _tenants.GetValueOrDefault(tenantId));

    /// <summary>True when the listener has been listening since <paramref name="mark"/> was taken and heard nothing for the tenant.</summary>
    public bool Unmoved(Guid tenantId, WatchMark mark) => _listening && Mark(tenantId) == mark;

    /// <summary>A notice: a tenant's id moves that tenant, anything else moves them all.</summary>
    public void Heard(string payload)
    {
        if (Guid.TryParse(payload, out var tenantId))
        {
            _tenants.AddOrUpdate(tenantId, 1, (_, n) => n + 1);
        }
        else
        {
            Interlocked.Increment(ref _epoch);
        }
    }

    /// <summary>
    /// The listener's state changed. Listening: called once <c>LISTEN</c> has run, so every later commit is heard; marks
    /// taken before it no longer match. Not listening: from here on nothing is unmoved.
    /// </summary>
    public void SetListening(bool listening)
    {
        if (!listening)
        {
            _listening = false;
        }

        Interlocked.Increment(ref _epoch);
        if (listening)
        {
            _listening = true;
        }
    }
}

/// <summary>
/// Keeps one connection listening on <see cref="ContextWatch.Channel"/> for <see cref="ContextWatch"/>, reconnecting after
/// <see cref="Retry"/> when it is lost. While it waits it checks the connection every <see cref="Probe"/> (a quiet channel
/// and a dead connection look alike otherwise).
/// </summary>
public sealed class ContextWatchListener(SpiralDataSources data, ContextWatch watch, ILogger<ContextWatchListener> logger) : BackgroundService
{
    /// <summary>The listening connection's <c>application_name</c> (<c>pg_stat_activity</c> shows it so).</summary>
    public const string ApplicationName = "spiral-context-watch";

    public static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Probe = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.ContextWatchLost(logger, e.GetType().Name, e.Message, (int)Retry.TotalSeconds);
            }

            try
            {
                await Task.Delay(Retry, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        await using var connection = await data.Runtime.OpenConnectionAsync(ct);
        connection.Notification += (_, e) => watch.Heard(e.Payload);
        try
        {
            await using (var listen = new NpgsqlCommand($"SET application_name = '{ApplicationName}'; LISTEN {ContextWatch.Channel}", connection))
            {
                await listen.ExecuteNonQueryAsync(ct);
            }

            watch.SetListening(true);
            Log.ContextWatchListening(logger);
            while (true)
            {
                if (!await connection.WaitAsync(Probe, ct))
                {
                    await using var probe = new NpgsqlCommand("SELECT 1", connection);
                    await probe.ExecuteScalarAsync(ct);
                }
            }
        }
        finally
        {
            watch.SetListening(false);
        }
    }
}
