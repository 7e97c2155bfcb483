using System.Net.Sockets;
using System.Text;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Api;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (its dependencies answer: PostgreSQL, Redis when
/// <c>ConnectionStrings:Redis</c> is set, Hangfire's storage when this process runs jobs; degraded, still 200, while the
/// context watch is not listening). No auth.
/// </summary>
public static class HealthEndpoints
{
    public static IHostApplicationBuilder AddSpiralHealth(this IHostApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgresql", tags: ["ready"])
            .AddCheck<ContextWatchHealthCheck>("context-watch", tags: ["ready"]);
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Redis")))
        {
            checks.AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        }

        if (builder.Configuration.GetValue("Jobs:Enabled", true))
        {
            checks.AddCheck<HangfireHealthCheck>("hangfire", tags: ["ready"]);
        }

        return builder;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
        return app;
    }
}

/// <summary>Ready when the runtime role can run a statement.</summary>
internal sealed class PostgresHealthCheck(SpiralDataSources data) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = data.Runtime.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", e);
        }
    }
}

/// <summary>
/// Degraded while this process is not listening for context changes (<see cref="ContextWatch"/>): answers stay right, but
/// every repeated question checks its context in the database, so repeats are slower.
/// </summary>
internal sealed class ContextWatchHealthCheck(ContextWatch watch) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(watch.Listening
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded("not listening for context changes: every repeated question checks its context in the database"));
}

/// <summary>Ready when Redis answers PING (a raw RESP round trip: the check needs no client library).</summary>
internal sealed class RedisHealthCheck(IConfiguration configuration) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var endpoint = (configuration.GetConnectionString("Redis") ?? "").Split(',')[0].Trim();
        var colon = endpoint.LastIndexOf(':');
        var host = colon > 0 ? endpoint[..colon] : endpoint;
        var port = colon > 0 && int.TryParse(endpoint[(colon + 1)..], out var p) ? p : 6379;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var answer = Encoding.ASCII.GetString(buffer, 0, read);
            // -NOAUTH still proves a Redis server is there; the cache authenticates with its own client.
            return answer.StartsWith("+PONG", StringComparison.Ordinal) || answer.StartsWith("-NOAUTH", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"Redis at {endpoint} answered '{answer.Trim()}'");
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"Redis at {endpoint} is unreachable", e);
        }
    }
}

/// <summary>Ready when Hangfire's PostgreSQL storage answers (the job queue the ask pipeline depends on).</summary>
internal sealed class HangfireHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<JobStorage>() is not { } storage)
        {
            return HealthCheckResult.Unhealthy("Hangfire storage is not configured");
        }

        try
        {
            var servers = await Task.Run(() => storage.GetMonitoringApi().Servers().Count, cancellationToken);
            return HealthCheckResult.Healthy($"{servers} Hangfire server(s)");
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("Hangfire storage is unreachable", e);
        }
    }
}
