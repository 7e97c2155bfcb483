using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Alerts;

/// <summary>
/// Delivers one firing to its rule's webhook: an HTTP POST of the firing's JSON (the <c>detail</c> stored with it, byte for
/// byte), signed <c>X-Spiral-Signature: sha256=HEX(HMAC-SHA256(rule secret, body))</c>, with <c>X-Spiral-Event</c>,
/// <c>X-Spiral-Delivery</c> (the firing id, stable across attempts) and <c>X-Spiral-Attempt</c>. A 2xx answer delivers it;
/// anything else (status, timeout, refused connection) is retried with exponential back-off up to
/// <see cref="AlertOptions.DeliveryAttempts"/>; a target the address policy refuses is not retried. Every attempt is recorded
/// in <c>alert_deliveries</c> as it ends (through <see cref="SpiralDbContext"/> in the tenant's session). The firing is claimed first (pending → delivering), so a firing dispatched twice
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
            await using var db = SpiralDb.For(session);
            var claimed = await db.AlertFirings
                .Where(f => f.Id == firingId && f.DeliveryState == AlertDeliveryStates.Pending
                            && db.AlertRules.Any(r => r.TenantId == f.TenantId && r.Id == f.RuleId && r.WebhookUrl != null))
                .ExecuteUpdateAsync(s => s.SetProperty(f => f.DeliveryState, AlertDeliveryStates.Delivering), ct);
            if (claimed == 0)
            {
                return await db.AlertFirings.Where(f => f.Id == firingId).Select(f => f.DeliveryState).FirstOrDefaultAsync(ct) ?? "unknown";
            }

            var target = await (
                from f in db.AlertFirings
                join r in db.AlertRules on new { f.TenantId, Id = f.RuleId } equals new { r.TenantId, r.Id }
                where f.Id == firingId
                select new { Url = r.WebhookUrl!, r.Secret, f.Detail }).SingleAsync(ct);
            (url, secret, detail) = (target.Url, target.Secret, target.Detail);
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
                await FinishAsync(tenantId, firingId, AlertDeliveryStates.Delivered, ct);
                return AlertDeliveryStates.Delivered;
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
        await FinishAsync(tenantId, firingId, AlertDeliveryStates.Failed, ct);
        return AlertDeliveryStates.Failed;
    }

    private static WebhookRefusedException? Refusal(Exception e) =>
        e as WebhookRefusedException ?? (e.InnerException is { } inner ? Refusal(inner) : null);

    private async Task RecordAsync(Guid tenantId, Guid firingId, int attempt, string url, int? status, string outcome, string? error, double ms, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(_data.Runtime, tenantId, ct);
        await using var db = SpiralDb.For(session);
        db.AlertDeliveries.Add(new StoredAlertDelivery
        {
            TenantId = tenantId, FiringId = firingId, Attempt = attempt, Url = url, StatusCode = status, Outcome = outcome, Error = Truncate(error),
            DurationMs = Math.Round(ms, 1),
        });
        await db.SaveChangesAsync(ct);
        await session.CommitAsync(ct);
    }

    private async Task FinishAsync(Guid tenantId, Guid firingId, string state, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(_data.Runtime, tenantId, ct);
        await using var db = SpiralDb.For(session);
        await db.AlertFirings.Where(f => f.Id == firingId).ExecuteUpdateAsync(s =>
        {
            s.SetProperty(f => f.DeliveryState, state);
            if (state == AlertDeliveryStates.Delivered)
            {
                s.SetProperty(f => f.DeliveredAt, f => DateTimeOffset.UtcNow);
            }
            else
            {
                s.SetProperty(f => f.DeliveredAt, (DateTimeOffset?)null);
            }
        }, ct);
        await session.CommitAsync(ct);
    }

    private static string? Truncate(string? text) => text is { Length: > 2000 } ? text[..2000] : text;

    public void Dispose() => _http.Dispose();
}
