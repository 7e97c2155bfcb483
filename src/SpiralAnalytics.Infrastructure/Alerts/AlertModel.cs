using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SpiralAnalytics.Core.Alerts;

namespace SpiralAnalytics.Infrastructure.Alerts;

/// <summary>An alert rule as stored and listed (its signing secret is shown once, when it is created).</summary>
public sealed record AlertRule(
    Guid Id,
    string Name,
    JsonNode Spec,
    AlertCondition Condition,
    string Description,
    string? WebhookUrl,
    bool Enabled,
    string? Question,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A new rule and the secret its webhook deliveries are signed with (<c>X-Spiral-Signature: sha256=HMAC(secret, body)</c>).</summary>
public sealed record CreatedAlertRule(AlertRule Rule, string Secret);

/// <summary>What a rule is made of before it is stored: a spec (metric and scope) and a condition.</summary>
public sealed record AlertRuleDraft(string? Name, Core.Specs.AnalyticsSpec Spec, AlertCondition Condition, string? Question);

/// <summary>A rule that fired for a team's sprint, once; with how its delivery went.</summary>
/// <param name="DeliveryState"><c>pending</c>, <c>delivering</c>, <c>delivered</c>, <c>failed</c>, or <c>no_webhook</c> (shown in the chat page only).</param>
public sealed record AlertFiring(
    Guid Id,
    Guid RuleId,
    string RuleName,
    string Team,
    string Sprint,
    string PeriodKey,
    double? Value,
    double? Z,
    DateTimeOffset FiredAt,
    string DeliveryState,
    DateTimeOffset? DeliveredAt,
    int Attempts,
    JsonNode Detail);

/// <summary>A firing's <c>delivery_state</c> (the CHECK of <c>alert_firings</c>).</summary>
public static class AlertDeliveryStates
{
    public const string Pending = "pending";
    public const string Delivering = "delivering";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string NoWebhook = "no_webhook";
}

/// <summary>One webhook delivery attempt and its outcome (<c>delivered</c>, <c>failed</c>, <c>refused</c>).</summary>
public sealed record AlertDeliveryAttempt(int Attempt, DateTimeOffset At, string Url, int? StatusCode, string Outcome, string? Error, double DurationMs);

/// <summary>What one evaluation of a tenant's rules did.</summary>
public sealed record AlertEvaluationReport(string Tenant, int Rules, IReadOnlyList<AlertFiring> NewFirings, IReadOnlyList<string> Errors, double ElapsedMs);

/// <summary>Section <c>Alerts</c>.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>
    /// Webhooks to loopback, private (RFC 1918, CGNAT, unique-local), link-local or unspecified addresses are refused unless
    /// this is true — a tenant admin must not make the server call into its own network. The tests turn it on for their
    /// receiver on 127.0.0.1; production leaves it off.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>Delivery attempts per firing (the first included).</summary>
    [Range(1, 10)]
    public int DeliveryAttempts { get; set; } = 5;

    /// <summary>Back-off before attempt n+1: this × 2^(n-1) (5 s, 10 s, 20 s, 40 s by default).</summary>
    [Range(1, 600_000)]
    public int BackoffMilliseconds { get; set; } = 5000;

    /// <summary>Time allowed for one attempt (connect, send, answer).</summary>
    [Range(1, 120)]
    public int AttemptTimeoutSeconds { get; set; } = 10;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AlertCondition))]
[JsonSerializable(typeof(AlertRule))]
[JsonSerializable(typeof(CreatedAlertRule))]
[JsonSerializable(typeof(AlertFiring))]
[JsonSerializable(typeof(AlertDeliveryAttempt))]
[JsonSerializable(typeof(AlertEvaluationReport))]
[JsonSerializable(typeof(IReadOnlyList<AlertRule>))]
[JsonSerializable(typeof(IReadOnlyList<AlertFiring>))]
[JsonSerializable(typeof(IReadOnlyList<AlertDeliveryAttempt>))]
public sealed partial class AlertJsonContext : JsonSerializerContext;
