using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using SpiralAnalytics.Core.Alerts;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Alerts;

/// <summary>
/// Alert rules and their firings and deliveries, read and written through <see cref="SpiralDbContext"/> as the runtime role inside the tenant's session (RLS keeps
/// tenants apart; another tenant's rule is simply not found). A rule's spec is validated like any spec (catalog, tenant values)
/// and then by <see cref="AlertRuleRules"/>; errors name their field (<c>spec.metrics[0]</c>, <c>condition.op</c>, <c>webhook_url</c>).
/// </summary>
public sealed class AlertStore(TenantDirectory tenants, QueryExecutor queries, IOptions<AlertOptions> options)
{
    public const int MaxLimit = 500;

    /// <summary>The spec in canonical form (filter values in the tenant's spelling) and the metric it watches; errors carry <c>spec.</c> paths.</summary>
    public async Task<(AnalyticsSpec Spec, MetricDefinition Metric)> ValidateAsync(string tenant, AnalyticsSpec spec, AlertCondition condition, CancellationToken ct)
    {
        ValidatedSpec validated;
        try
        {
            validated = await queries.ValidateAsync(spec, tenant, ct);
        }
        catch (SpecValidationException e)
        {
            throw new SpecValidationException(e.Errors.Select(x => x with { Path = "spec." + x.Path }).ToList());
        }

        var errors = AlertRuleRules.Errors(validated.Spec, condition, validated.Catalog);
        if (errors.Count > 0)
        {
            throw new SpecValidationException(errors);
        }

        return (validated.Spec, validated.Catalog.Get(AnalyticsSpec.MetricName(validated.Spec.Metrics[0])));
    }

    public async Task<CreatedAlertRule> CreateAsync(string tenant, string user, AlertRuleDraft draft, string? webhookUrl, bool enabled, CancellationToken ct)
    {
        var url = string.IsNullOrWhiteSpace(webhookUrl) ? null : WebhookTargets.Check(webhookUrl, options.Value.AllowPrivateTargets).AbsoluteUri;
        var (spec, metric) = await ValidateAsync(tenant, draft.Spec, draft.Condition, ct);
        var name = string.IsNullOrWhiteSpace(draft.Name) ? DefaultName(spec, draft.Condition, metric) : draft.Name.Trim();
        if (name.Length > 200)
        {
            throw new UserErrorException("name: at most 200 characters");
        }

        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        var stored = new StoredAlertRule
        {
            TenantId = session.TenantId,
            Name = name,
            Spec = SpecJson.Write(spec),
            Condition = JsonSerializer.Serialize(draft.Condition, AlertJsonContext.Default.AlertCondition),
            WebhookUrl = url,
            Secret = secret,
            Enabled = enabled,
            Question = draft.Question,
            CreatedBy = user,
        };
        db.AlertRules.Add(stored);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new ConflictException($"name: an alert rule named '{name}' already exists");
        }

        await session.CommitAsync(ct);
        return new CreatedAlertRule(Rule(stored), secret);
    }

    public async Task<IReadOnlyList<AlertRule>> ListAsync(string tenant, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        var rules = await db.AlertRules.OrderBy(r => r.CreatedAt).ThenBy(r => r.Name).ToListAsync(ct);
        await session.CommitAsync(ct);
        return rules.Select(Rule).ToList();
    }

    /// <summary>A rule by id or by name; <see cref="NotFoundException"/> otherwise (another tenant's included).</summary>
    public async Task<AlertRule> GetAsync(string tenant, string idOrName, CancellationToken ct) =>
        (await ListAsync(tenant, ct)).FirstOrDefault(r => Matches(r, idOrName))
        ?? throw new NotFoundException($"alert rule '{idOrName}' does not exist");

    public async Task<AlertRule> SetEnabledAsync(string tenant, string idOrName, bool enabled, CancellationToken ct)
    {
        var rule = await GetAsync(tenant, idOrName, ct);
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        var changed = await db.AlertRules.Where(r => r.Id == rule.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Enabled, enabled).SetProperty(r => r.UpdatedAt, r => DateTimeOffset.UtcNow), ct);
        var updated = changed == 0 ? null : await db.AlertRules.FirstOrDefaultAsync(r => r.Id == rule.Id, ct);
        await session.CommitAsync(ct);
        return updated is null ? throw new NotFoundException($"alert rule '{idOrName}' does not exist") : Rule(updated);
    }

    /// <summary>Removes the rule with its firings and their deliveries.</summary>
    public async Task RemoveAsync(string tenant, string idOrName, CancellationToken ct)
    {
        var rule = await GetAsync(tenant, idOrName, ct);
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        await db.AlertRules.Where(r => r.Id == rule.Id).ExecuteDeleteAsync(ct);
        await session.CommitAsync(ct);
    }

    /// <summary>The tenant's firings, newest first, optionally of one rule.</summary>
    public async Task<IReadOnlyList<AlertFiring>> FiringsAsync(string tenant, Guid? rule, int limit, CancellationToken ct)
    {
        if (limit is < 1 or > MaxLimit)
        {
            throw new UserErrorException($"limit: must be between 1 and {MaxLimit}");
        }

        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        var rows = await (
                from f in db.AlertFirings
                join r in db.AlertRules on new { f.TenantId, Id = f.RuleId } equals new { r.TenantId, r.Id }
                where rule == null || f.RuleId == rule
                orderby f.FiredAt descending, f.Id
                select new { Firing = f, RuleName = r.Name, Attempts = db.AlertDeliveries.Count(d => d.TenantId == f.TenantId && d.FiringId == f.Id) })
            .Take(limit)
            .ToListAsync(ct);
        await session.CommitAsync(ct);
        return rows.Select(x => new AlertFiring(x.Firing.Id, x.Firing.RuleId, x.RuleName, x.Firing.Team, x.Firing.Sprint, x.Firing.PeriodKey,
            x.Firing.Value, x.Firing.Z, x.Firing.FiredAt, x.Firing.DeliveryState, x.Firing.DeliveredAt, x.Attempts, JsonNode.Parse(x.Firing.Detail)!)).ToList();
    }

    /// <summary>Every delivery attempt of a firing, in order; <see cref="NotFoundException"/> for an unknown firing.</summary>
    public async Task<IReadOnlyList<AlertDeliveryAttempt>> DeliveriesAsync(string tenant, Guid firing, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        if (!await db.AlertFirings.AnyAsync(f => f.Id == firing, ct))
        {
            throw new NotFoundException($"alert firing '{firing}' does not exist");
        }

        var attempts = await db.AlertDeliveries.Where(d => d.FiringId == firing).OrderBy(d => d.Attempt)
            .Select(d => new AlertDeliveryAttempt(d.Attempt, d.At, d.Url, d.StatusCode, d.Outcome, d.Error, d.DurationMs))
            .ToListAsync(ct);
        await session.CommitAsync(ct);
        return attempts;
    }

    internal static AlertRule Rule(StoredAlertRule stored)
    {
        // jsonb keeps its own key order: show the spec in canonical form again
        var spec = SpecJson.Parse(stored.Spec) is { IsValid: true } parsed ? SpecJson.ToNode(parsed.Spec!) : JsonNode.Parse(stored.Spec)!;
        var condition = JsonSerializer.Deserialize(stored.Condition, AlertJsonContext.Default.AlertCondition)!;
        var metric = spec["metrics"]?[0]?.GetValue<string>() ?? "?";
        return new AlertRule(stored.Id, stored.Name, spec, condition, Describe(spec, condition, metric), stored.WebhookUrl, stored.Enabled,
            stored.Question, stored.CreatedBy, stored.CreatedAt, stored.UpdatedAt);
    }

    private static string Describe(JsonNode spec, AlertCondition condition, string metric)
    {
        var scope = spec["filters"] is JsonArray { Count: > 0 } filters
            ? " for " + string.Join("; ", filters.Select(f =>
                $"{f?["dimension"]} {(f?["op"]?.GetValue<string>() is "neq" or "not_in" ? "not " : "")}{string.Join(", ", (f?["values"] as JsonArray ?? []).Select(v => v?.GetValue<string>()))}"))
            : " for every team";
        return condition.Describe(metric) + scope;
    }

    private static string DefaultName(AnalyticsSpec spec, AlertCondition condition, MetricDefinition metric)
    {
        var teams = spec.Filters.Where(f => f.Dimension == "team" && !FilterOps.IsNegative(f.Op)).SelectMany(f => f.Values).ToList();
        return (teams.Count > 0 ? string.Join(", ", teams) + ": " : "") + condition.Describe(metric.DisplayName.ToLowerInvariant());
    }

    private static bool Matches(AlertRule rule, string idOrName) =>
        Guid.TryParse(idOrName, out var id) ? rule.Id == id : string.Equals(rule.Name, idOrName, StringComparison.OrdinalIgnoreCase);

}
