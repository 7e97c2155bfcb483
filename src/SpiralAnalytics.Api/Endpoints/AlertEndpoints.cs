using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Core.Alerts;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Alerts;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Api.Endpoints;

/// <summary>A new rule: a spec (one metric and its scope) and a condition, or a plain-language <c>question</c> instead of both.</summary>
public sealed record AlertRuleRequest(string? Name, JsonNode? Spec, AlertCondition? Condition, string? Question, string? WebhookUrl, bool? Enabled);

/// <summary>201: the rule and its signing secret (shown this once), with the translator's notes when it came from a sentence.</summary>
public sealed record AlertRuleCreated(AlertRule Rule, string Secret, string? Translator, IReadOnlyList<string> Notes);

/// <summary>200 instead of 201 when a sentence could not be made into a rule: nothing was created.</summary>
public sealed record AlertRuleClarification(Clarification Clarification, string Translator);

/// <summary>
/// Alert rules of the caller's tenant: every role reads rules, firings and delivery attempts; admins create, enable, disable,
/// remove and evaluate. Another tenant's rule or firing is a 404.
/// </summary>
public static class AlertEndpoints
{
    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/v1/alerts").WithTags("Alerts");
        read.MapGet("/", ListAsync).WithName("ListAlertRules").WithSummary("The tenant's alert rules");
        read.MapGet("/{id:guid}", GetAsync).WithName("GetAlertRule").WithSummary("One alert rule").ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/firings", FiringsAsync).WithName("ListAlertFirings")
            .WithSummary("Firings, newest first (?rule=ID, ?limit=N up to 500): team, sprint, value, z, delivery state and attempts")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        read.MapGet("/firings/{id:guid}/deliveries", DeliveriesAsync).WithName("ListAlertDeliveries")
            .WithSummary("Every webhook delivery attempt of a firing and its outcome").ProducesProblem(StatusCodes.Status404NotFound);

        var write = app.MapGroup("/api/v1/alerts").WithTags("Alerts").RequireAuthorization(SpiralClaims.AdminPolicy)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        write.MapPost("/", CreateAsync).WithName("CreateAlertRule")
            .WithSummary("Create a rule from {spec, condition} or from {question} (plain language); 200 with a clarification when the sentence is unclear")
            .ProducesProblem(StatusCodes.Status409Conflict);
        write.MapPost("/{id:guid}/enable", (Guid id, HttpContext http, AlertStore store, CancellationToken ct) => SetAsync(id, true, http, store, ct))
            .WithName("EnableAlertRule").WithSummary("Turn a rule on").ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPost("/{id:guid}/disable", (Guid id, HttpContext http, AlertStore store, CancellationToken ct) => SetAsync(id, false, http, store, ct))
            .WithName("DisableAlertRule").WithSummary("Turn a rule off (nothing fires or is delivered for it)").ProducesProblem(StatusCodes.Status404NotFound);
        write.MapDelete("/{id:guid}", RemoveAsync).WithName("RemoveAlertRule").WithSummary("Remove a rule with its firings")
            .ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPost("/evaluate", EvaluateAsync).WithName("EvaluateAlerts")
            .WithSummary("Evaluate the tenant's enabled rules now (?as_of=) and deliver the new firings (normally done after each refresh)");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<AlertRule>>> ListAsync(HttpContext http, AlertStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListAsync(http.User.Tenant(), ct));

    private static async Task<Ok<AlertRule>> GetAsync(Guid id, HttpContext http, AlertStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.GetAsync(http.User.Tenant(), id.ToString(), ct));

    private static async Task<Ok<IReadOnlyList<AlertFiring>>> FiringsAsync(HttpContext http, Guid? rule, int? limit, AlertStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.FiringsAsync(http.User.Tenant(), rule, limit ?? 50, ct));

    private static async Task<Ok<IReadOnlyList<AlertDeliveryAttempt>>> DeliveriesAsync(Guid id, HttpContext http, AlertStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.DeliveriesAsync(http.User.Tenant(), id, ct));

    private static async Task<Results<Created<AlertRuleCreated>, Ok<AlertRuleClarification>>> CreateAsync(
        AlertRuleRequest body, HttpContext http, AlertStore store, AlertRuleDrafter drafter, CancellationToken ct)
    {
        var tenant = http.User.Tenant();
        AlertRuleDraft draft;
        string? translator = null;
        IReadOnlyList<string> notes = [];
        if (!string.IsNullOrWhiteSpace(body.Question))
        {
            if (body.Spec is not null || body.Condition is not null)
            {
                throw new UserErrorException("question: give either a question or a spec and a condition, not both");
            }

            var outcome = await drafter.DraftAsync(tenant, body.Question, DateTimeOffset.UtcNow, ct);
            if (outcome.Draft is null)
            {
                return TypedResults.Ok(new AlertRuleClarification(outcome.Clarification!, outcome.Translator));
            }

            draft = outcome.Draft with { Name = body.Name };
            (translator, notes) = (outcome.Translator, outcome.Notes);
        }
        else
        {
            if (body.Spec is null)
            {
                throw new UserErrorException("spec: required (one metric and its scope, e.g. {\"metrics\":[\"spillover_ratio\"]}), or give a question instead");
            }

            if (body.Condition is null)
            {
                throw new UserErrorException("condition: required, e.g. {\"op\": \"above\", \"value\": 0.2, \"sprints\": 2}; op is above, below or abs_z_above");
            }

            var parsed = SpecJson.Parse(body.Spec.ToJsonString());
            if (!parsed.IsValid)
            {
                throw new SpecValidationException(parsed.Errors.Select(e => e with { Path = "spec." + e.Path }).ToList());
            }

            draft = new AlertRuleDraft(body.Name, parsed.Spec!, body.Condition, null);
        }

        var created = await store.CreateAsync(tenant, http.User.UserId(), draft, body.WebhookUrl, body.Enabled ?? true, ct);
        return TypedResults.Created($"/api/v1/alerts/{created.Rule.Id}", new AlertRuleCreated(created.Rule, created.Secret, translator, notes));
    }

    private static async Task<Ok<AlertRule>> SetAsync(Guid id, bool enabled, HttpContext http, AlertStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.SetEnabledAsync(http.User.Tenant(), id.ToString(), enabled, ct));

    private static async Task<NoContent> RemoveAsync(Guid id, HttpContext http, AlertStore store, CancellationToken ct)
    {
        await store.RemoveAsync(http.User.Tenant(), id.ToString(), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<AlertEvaluationReport>> EvaluateAsync(HttpContext http, [FromQuery(Name = "as_of")] string? asOf,
        AlertEvaluator evaluator, IAlertDispatcher dispatcher, TenantDirectory tenants, CancellationToken ct)
    {
        var tenant = http.User.Tenant();
        var report = await evaluator.EvaluateAsync(tenant, AsOfText.Parse(asOf), ct);
        await dispatcher.DispatchAsync(await tenants.ResolveAsync(tenant, ct), report.NewFirings, ct);
        return TypedResults.Ok(report);
    }
}
