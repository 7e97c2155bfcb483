using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using SpiralAnalytics.Core.Alerts;
using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Alerts;

/// <summary>
/// Evaluates a tenant's enabled rules on each in-scope team's latest closed sprint(s). The values come from the rule's own spec
/// run through the query executor (grouped by team and sprint over the last N closed sprints; a metric with no per-sprint value,
/// over the team's last sprint), the z-scores from the catalog definitions (<see cref="SprintZScoreReader"/>); <see cref="AlertCondition.FiresOn"/>
/// judges. A firing is inserted once per rule and period (the team's latest sprint): evaluating again finds it there and fires
/// nothing new, so each firing is delivered once.
/// </summary>
public sealed class AlertEvaluator(
    SpiralDataSources data,
    TenantDirectory tenants,
    QueryExecutor queries,
    CatalogReader catalogs,
    ILogger<AlertEvaluator> logger,
    TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The tenants that have at least one enabled rule (owner role: the runtime role cannot list tenants).</summary>
    public async Task<IReadOnlyList<string>> TenantsWithEnabledRulesAsync(CancellationToken ct)
    {
        await using var command = data.Owner.CreateCommand(
            "SELECT t.slug FROM tenants t WHERE EXISTS (SELECT 1 FROM alert_rules r WHERE r.tenant_id = t.id AND r.enabled) ORDER BY t.slug");
        var slugs = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            slugs.Add(reader.GetString(0));
        }

        return slugs;
    }

    public async Task<AlertEvaluationReport> EvaluateAsync(string tenant, DateTimeOffset? asOf, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var tenantId = await tenants.ResolveAsync(tenant, ct);
        var at = (asOf ?? _clock.GetUtcNow()).ToUniversalTime();
        var catalog = await catalogs.LoadAsync(tenantId, ct);
        var rules = new List<(AlertRule Rule, string Secret)>();
        await using (var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct))
        {
            await using var db = SpiralDb.For(session);
            foreach (var stored in await db.AlertRules.Where(r => r.Enabled).OrderBy(r => r.CreatedAt).ThenBy(r => r.Name).ToListAsync(ct))
            {
                rules.Add((AlertStore.Rule(stored), stored.Secret));
            }

            await session.CommitAsync(ct);
        }

        var fired = new List<AlertFiring>();
        var errors = new List<string>();
        foreach (var (rule, _) in rules)
        {
            try
            {
                fired.AddRange(await EvaluateRuleAsync(tenant, tenantId, rule, catalog, at, ct));
            }
            catch (UserErrorException e)
            {
                // a rule whose metric was removed or deprecated away: the others still run
                Log.AlertRuleBroken(logger, rule.Id, tenant, e.Message);
                errors.Add($"{rule.Name}: {e.Message}");
            }
        }

        Log.AlertsEvaluated(logger, tenant, rules.Count, fired.Count, (long)started.ElapsedMilliseconds);
        return new AlertEvaluationReport(tenant, rules.Count, fired, errors, Math.Round(started.Elapsed.TotalMilliseconds, 1));
    }

    private async Task<IReadOnlyList<AlertFiring>> EvaluateRuleAsync(string tenant, Guid tenantId, AlertRule rule,
        Core.Catalog.MetricCatalog catalog, DateTimeOffset asOf, CancellationToken ct)
    {
        var parsed = SpecJson.Parse(rule.Spec.ToJsonString());
        if (!parsed.IsValid)
        {
            throw new SpecValidationException(parsed.Errors);
        }

        var spec = parsed.Spec!;
        var condition = rule.Condition;
        var metric = catalog.Find(AnalyticsSpec.MetricName(spec.Metrics[0])) ?? throw new NotFoundException($"metric '{spec.Metrics[0]}' is not in the catalog");
        var perSprint = metric.Dimensions.Contains(Dimensions.Sprint);
        var sprints = perSprint ? condition.Sprints : 1;
        var values = await queries.ExecuteAsync(spec with
        {
            GroupBy = perSprint ? [Dimensions.Team, Dimensions.Sprint] : [Dimensions.Team],
            Time = new LastSprintsTime(sprints),
        }, tenant, asOf, null, ct);

        // value per (team, sprint key); a team-level value (no per-sprint metric) belongs to the team's latest sprint
        var byKey = new Dictionary<(string Team, string? Sprint), double?>();
        foreach (var row in values.Rows)
        {
            var team = (string?)row[Dimensions.Team];
            if (team is null)
            {
                continue;
            }

            byKey[(team.ToLowerInvariant(), perSprint ? (string?)row["sprint_key"] : null)] =
                row[metric.Name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        }

        var teams = byKey.Keys.Select(k => k.Team).Distinct().ToList();
        if (teams.Count == 0)
        {
            return [];
        }

        IReadOnlyList<SprintZScores> recent;
        await using (var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct))
        {
            recent = await SprintZScoreReader.ReadAsync(session, catalog, asOf, [metric.Name], condition.Sprints, teams, ct);
            await session.CommitAsync(ct);
        }

        var firings = new List<AlertFiring>();
        foreach (var team in recent.GroupBy(r => r.Team))
        {
            var points = team.OrderBy(r => r.Recency).Select(r => new AlertPoint(r.SprintKey, r.Sprint,
                byKey.GetValueOrDefault((r.Team.ToLowerInvariant(), perSprint ? r.SprintKey : r.Recency == 1 ? null : "\0")),
                r.Z.GetValueOrDefault(metric.Name))).ToList();
            if (!condition.FiresOn(points))
            {
                continue;
            }

            if (await InsertFiringAsync(tenant, tenantId, rule, metric, team.Key, points, asOf, ct) is { } firing)
            {
                firings.Add(firing);
            }
        }

        return firings;
    }

    private async Task<AlertFiring?> InsertFiringAsync(string tenant, Guid tenantId, AlertRule rule, Core.Catalog.MetricDefinition metric, string team,
        IReadOnlyList<AlertPoint> points, DateTimeOffset asOf, CancellationToken ct)
    {
        var id = Guid.NewGuid();
        var latest = points[0];
        var firedAt = _clock.GetUtcNow();
        var detail = new JsonObject
        {
            ["event"] = "alert.fired",
            ["firing_id"] = id.ToString(),
            ["tenant"] = tenant,
            ["rule"] = new JsonObject { ["id"] = rule.Id.ToString(), ["name"] = rule.Name, ["description"] = rule.Description },
            ["metric"] = new JsonObject { ["name"] = metric.Name, ["display_name"] = metric.DisplayName, ["unit"] = metric.Unit, ["version"] = metric.Version },
            ["condition"] = JsonSerializer.SerializeToNode(rule.Condition, AlertJsonContext.Default.AlertCondition),
            ["team"] = team,
            ["sprint"] = latest.Sprint,
            ["sprint_key"] = latest.SprintKey,
            ["value"] = latest.Value,
            ["z"] = latest.Z is null ? null : Math.Round(latest.Z.Value, 4),
            ["recent"] = new JsonArray(points.Take(rule.Condition.Sprints).Select(p => (JsonNode)new JsonObject
            {
                ["sprint"] = p.Sprint, ["sprint_key"] = p.SprintKey, ["value"] = p.Value, ["z"] = p.Z is null ? null : Math.Round(p.Z.Value, 4),
            }).ToArray()),
            ["as_of"] = asOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["fired_at"] = firedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        var state = rule.WebhookUrl is null ? AlertDeliveryStates.NoWebhook : AlertDeliveryStates.Pending;
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await using var db = SpiralDb.For(session);

        // A rule fires once per team and period: ON CONFLICT DO NOTHING (EF has no upsert; a statement on the session).
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO alert_firings (tenant_id, id, rule_id, period_key, team, sprint, value, z, detail, fired_at, delivery_state)
            VALUES (current_tenant_id(), {id}, {rule.Id}, {latest.SprintKey}, {team}, {latest.Sprint}, {latest.Value}::double precision,
                    {latest.Z}::double precision, {detail.ToJsonString()}::jsonb, {firedAt}, {state})
            ON CONFLICT (tenant_id, rule_id, period_key) DO NOTHING
            """, ct) == 1;
        await session.CommitAsync(ct);
        return inserted
            ? new AlertFiring(id, rule.Id, rule.Name, team, latest.Sprint, latest.SprintKey, latest.Value, latest.Z, firedAt,
                state, null, 0, detail)
            : null;
    }
}
