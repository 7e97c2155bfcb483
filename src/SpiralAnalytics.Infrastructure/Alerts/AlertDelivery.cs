using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Alerts;

/// <summary>
/// Delivers one firing to its rule's webhook: an HTTP POST of the firing's JSON (the <c>detail</c> stored with it, byte for
/// byte), signed <c>X-Spiral-Signature: sha256=HEX(HMAC-SHA256(rule secret, body))</c>, with <c>X-Spiral-Event</c>,
/// <c>X-Spiral-Delivery</c> (the firing id, stable across attempts) and <c>X-Spiral-Attempt</c>. A 2xx answer delivers it;
/// anything else (status, timeout, refused connection) is retried with exponential back-off up to
/// <see cref="AlertOptions.DeliveryAttempts"/>; a target the address policy refuses is not retried. Every attempt is recorded
/// in <c>alert_deliveries</c> as it ends. The firing is claimed first (pending → delivering), so a firing dispatched twice
/// is still sent once.
/// </summary>
public sealed class AlertDelivery : IDisposable
{
    public const string SignatureHeader = "X-Spiral-Signature";

    private readonly SpiralDataSources _data;
    private readonly AlertOptions _options;
    private readonly ILogger<AlertDelivery> _logger;
    private readonly HttpClient _http;

    public AlertDelivery(SpiralDataSources data, IOptions<AlertOptions> options, ILogger<AlertDelivery> logger)
    {
        _data = data;
        _options = options.Value;
        _logger = logger;
        var allowPrivate = _options.AllowPrivateTargets;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = (context, ct) => WebhookTargets.ConnectAsync(context.DnsEndPoint, allowPrivate, ct),
        })
        {
            Timeout = TimeSpan.FromSeconds(_options.AttemptTimeoutSeconds),
        };
    }

    /// <summary><c>sha256=</c> and the lowercase hex HMAC-SHA256 of <paramref name="body"/> under <paramref name="secret"/>.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Delivers the firing if it is still pending; returns its final state (or its current one when another run has it).</summary>
    public async Task<string> DeliverAsync(Guid tenantId, Guid firingId, CancellationToken ct)
    {
        string url, secret, detail;
        await using (var session = await TenantSession.BeginAsync(_data.Runtime, tenantId, ct))
        {
            await using var claim = session.Command(
                """
                UPDATE alert_firings f SET delivery_state = 'delivering'
                FROM alert_rules r
                WHERE f.id = $1 AND f.delivery_state = 'pending' AND r.tenant_id = f.tenant_id AND r.id = f.rule_id AND r.webhook_url IS NOT NULL
                RETURNING r.webhook_url, r.secret, f.detail::text
                """);
            claim.Parameters.Add(new NpgsqlParameter { Value = firingId });
            await using (var reader = await claim.ExecuteReaderAsync(ct))
            {
                if (!await reader.ReadAsync(ct))
                {
                    await reader.DisposeAsync();
                    return await StateAsync(session, firingId, ct);
                }

                (url, secret, detail) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
            }

            await session.CommitAsync(ct);
        }

        var body = Encoding.UTF8.GetBytes(detail);
        var signature = Sign(secret, body);
        var attempts = _options.DeliveryAttempts;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var clock = Stopwatch.StartNew();
            int? status = null;
            string outcome;
            string? error = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.Add(SignatureHeader, signature);
                request.Headers.Add("X-Spiral-Event", "alert.fired");
                request.Headers.Add("X-Spiral-Delivery", firingId.ToString());
                request.Headers.Add("X-Spiral-Attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.UserAgent.ParseAdd("SpiralAnalytics-Alerts/1");
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                status = (int)response.StatusCode;
                outcome = response.IsSuccessStatusCode ? "delivered" : "failed";
                error = response.IsSuccessStatusCode ? null : $"HTTP {status} {response.ReasonPhrase}";
            }
            catch (HttpRequestException e) when (Refusal(e) is { } refused)
            {
                outcome = "refused";
                error = refused.Message;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or TaskCanceledException or IOException)
            {
                outcome = "failed";
                error = e is TaskCanceledException ? $"no answer within {_options.AttemptTimeoutSeconds} s" : e.Message;
            }

            await RecordAsync(tenantId, firingId, attempt, url, status, outcome, error, clock.Elapsed.TotalMilliseconds, ct);
            if (outcome == "delivered")
            {
                Log.AlertDelivered(_logger, firingId, attempt, status!.Value);
                await FinishAsync(tenantId, firingId, "delivered", ct);
                return "delivered";
            }

            Log.AlertDeliveryAttemptFailed(_logger, firingId, attempt, attempts, error ?? outcome);
            if (outcome == "refused")
            {
                break;
            }

            if (attempt < attempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(_options.BackoffMilliseconds * Math.Pow(2, attempt - 1)), ct);
            }
        }

        Log.AlertDeliveryGaveUp(_logger, firingId, attempts);
        await FinishAsync(tenantId, firingId, "failed", ct);
        return "failed";
    }

    private static WebhookRefusedException? Refusal(Exception e) =>
        e as WebhookRefusedException ?? (e.InnerException is { } inner ? Refusal(inner) : null);

    private async Task RecordAsync(Guid tenantId, Guid firingId, int attempt, string url, int? status, string outcome, string? error, double ms, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(_data.Runtime, tenantId, ct);
        await using var insert = session.Command(
            """
            INSERT INTO alert_deliveries (tenant_id, firing_id, attempt, url, status_code, outcome, error, duration_ms)
            VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6, $7)
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = firingId });
        insert.Parameters.Add(new NpgsqlParameter { Value = attempt });
        insert.Parameters.Add(new NpgsqlParameter { Value = url });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        insert.Parameters.Add(new NpgsqlParameter { Value = outcome });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)Truncate(error) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = Math.Round(ms, 1) });
        await insert.ExecuteNonQueryAsync(ct);
        await session.CommitAsync(ct);
    }

    private async Task FinishAsync(Guid tenantId, Guid firingId, string state, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(_data.Runtime, tenantId, ct);
        await using var update = session.Command(
            "UPDATE alert_firings SET delivery_state = $2, delivered_at = CASE WHEN $2 = 'delivered' THEN now() END WHERE id = $1");
        update.Parameters.Add(new NpgsqlParameter { Value = firingId });
        update.Parameters.Add(new NpgsqlParameter { Value = state });
        await update.ExecuteNonQueryAsync(ct);
        await session.CommitAsync(ct);
    }

    private static async Task<string> StateAsync(TenantSession session, Guid firingId, CancellationToken ct)
    {
        await using var command = session.Command("SELECT delivery_state FROM alert_firings WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = firingId });
        return await command.ExecuteScalarAsync(ct) as string ?? "unknown";
    }

    private static string? Truncate(string? text) => text is { Length: > 2000 } ? text[..2000] : text;

    public void Dispose() => _http.Dispose();
}
