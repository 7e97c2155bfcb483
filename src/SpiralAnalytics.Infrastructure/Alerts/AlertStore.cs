using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Core.Alerts;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Alerts;

/// <summary>
/// Alert rules and their firings and deliveries, read and written as the runtime role inside the tenant's session (RLS keeps
/// tenants apart; another tenant's rule is simply not found). A rule's spec is validated like any spec (catalog, tenant values)
/// and then by <see cref="AlertRuleRules"/>; errors name their field (<c>spec.metrics[0]</c>, <c>condition.op</c>, <c>webhook_url</c>).
/// </summary>
public sealed class AlertStore(TenantDirectory tenants, QueryExecutor queries, IOptions<AlertOptions> options)
{
    public const int MaxLimit = 500;

    private const string RuleColumns = "id, name, spec::text, condition::text, webhook_url, enabled, question, created_by, created_at, updated_at";

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
        await using var insert = session.Command(
            $"""
            INSERT INTO alert_rules (tenant_id, name, spec, condition, webhook_url, secret, enabled, question, created_by)
            VALUES (current_tenant_id(), $1, $2::jsonb, $3::jsonb, $4, $5, $6, $7, $8)
            ON CONFLICT (tenant_id, name) DO NOTHING
            RETURNING {RuleColumns}
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = name });
        insert.Parameters.Add(new NpgsqlParameter { Value = SpecJson.Write(spec) });
        insert.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(draft.Condition, AlertJsonContext.Default.AlertCondition) });
        insert.Parameters.Add(Text(url));
        insert.Parameters.Add(new NpgsqlParameter { Value = secret });
        insert.Parameters.Add(new NpgsqlParameter { Value = enabled });
        insert.Parameters.Add(Text(draft.Question));
        insert.Parameters.Add(new NpgsqlParameter { Value = user });
        AlertRule? rule;
        await using (var reader = await insert.ExecuteReaderAsync(ct))
        {
            rule = await reader.ReadAsync(ct) ? ReadRule(reader) : null;
        }

        if (rule is null)
        {
            throw new ConflictException($"name: an alert rule named '{name}' already exists");
        }

        await session.CommitAsync(ct);
        return new CreatedAlertRule(rule, secret);
    }

    public async Task<IReadOnlyList<AlertRule>> ListAsync(string tenant, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command($"SELECT {RuleColumns} FROM alert_rules ORDER BY created_at, name");
        var rules = new List<AlertRule>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rules.Add(ReadRule(reader));
            }
        }

        await session.CommitAsync(ct);
        return rules;
    }

    /// <summary>A rule by id or by name; <see cref="NotFoundException"/> otherwise (another tenant's included).</summary>
    public async Task<AlertRule> GetAsync(string tenant, string idOrName, CancellationToken ct) =>
        (await ListAsync(tenant, ct)).FirstOrDefault(r => Matches(r, idOrName))
        ?? throw new NotFoundException($"alert rule '{idOrName}' does not exist");

    public async Task<AlertRule> SetEnabledAsync(string tenant, string idOrName, bool enabled, CancellationToken ct)
    {
        var rule = await GetAsync(tenant, idOrName, ct);
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command($"UPDATE alert_rules SET enabled = $2, updated_at = now() WHERE id = $1 RETURNING {RuleColumns}");
        command.Parameters.Add(new NpgsqlParameter { Value = rule.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = enabled });
        AlertRule? updated;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            updated = await reader.ReadAsync(ct) ? ReadRule(reader) : null;
        }

        await session.CommitAsync(ct);
        return updated ?? throw new NotFoundException($"alert rule '{idOrName}' does not exist");
    }

    /// <summary>Removes the rule with its firings and their deliveries.</summary>
    public async Task RemoveAsync(string tenant, string idOrName, CancellationToken ct)
    {
        var rule = await GetAsync(tenant, idOrName, ct);
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command("DELETE FROM alert_rules WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = rule.Id });
        await command.ExecuteNonQueryAsync(ct);
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
        await using var command = session.Command(
            """
            SELECT f.id, f.rule_id, r.name, f.team, f.sprint, f.period_key, f.value, f.z, f.fired_at, f.delivery_state, f.delivered_at,
                   (SELECT count(*) FROM alert_deliveries d WHERE d.tenant_id = f.tenant_id AND d.firing_id = f.id), f.detail::text
            FROM alert_firings f JOIN alert_rules r ON r.tenant_id = f.tenant_id AND r.id = f.rule_id
            WHERE $1::uuid IS NULL OR f.rule_id = $1
            ORDER BY f.fired_at DESC, f.id
            LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)rule ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var firings = new List<AlertFiring>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                firings.Add(new AlertFiring(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetDouble(6), reader.IsDBNull(7) ? null : reader.GetDouble(7),
                    reader.GetFieldValue<DateTimeOffset>(8), reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                    (int)reader.GetInt64(11), JsonNode.Parse(reader.GetString(12))!));
            }
        }

        await session.CommitAsync(ct);
        return firings;
    }

    /// <summary>Every delivery attempt of a firing, in order; <see cref="NotFoundException"/> for an unknown firing.</summary>
    public async Task<IReadOnlyList<AlertDeliveryAttempt>> DeliveriesAsync(string tenant, Guid firing, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using (var exists = session.Command("SELECT count(*) FROM alert_firings WHERE id = $1"))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = firing });
            if ((long)(await exists.ExecuteScalarAsync(ct))! == 0)
            {
                throw new NotFoundException($"alert firing '{firing}' does not exist");
            }
        }

        await using var command = session.Command(
            "SELECT attempt, at, url, status_code, outcome, error, duration_ms FROM alert_deliveries WHERE firing_id = $1 ORDER BY attempt");
        command.Parameters.Add(new NpgsqlParameter { Value = firing });
        var attempts = new List<AlertDeliveryAttempt>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                attempts.Add(new AlertDeliveryAttempt(reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetDouble(6)));
            }
        }

        await session.CommitAsync(ct);
        return attempts;
    }

    internal static AlertRule ReadRule(NpgsqlDataReader reader)
    {
        // jsonb keeps its own key order: show the spec in canonical form again
        var stored = reader.GetString(2);
        var spec = SpecJson.Parse(stored) is { IsValid: true } parsed ? SpecJson.ToNode(parsed.Spec!) : JsonNode.Parse(stored)!;
        var condition = JsonSerializer.Deserialize(reader.GetString(3), AlertJsonContext.Default.AlertCondition)!;
        var metric = spec["metrics"]?[0]?.GetValue<string>() ?? "?";
        return new AlertRule(reader.GetGuid(0), reader.GetString(1), spec, condition, Describe(spec, condition, metric),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9));
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

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
