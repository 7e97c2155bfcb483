using SpiralAnalytics.Core.Alerts;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Translation;

namespace SpiralAnalytics.Infrastructure.Alerts;

/// <summary>A rule drafted from plain language, or why not and what could be said instead.</summary>
public sealed record AlertDraftOutcome(AlertRuleDraft? Draft, Clarification? Clarification, string Translator, IReadOnlyList<string> Notes);

/// <summary>
/// "tell me when Phoenix's spillover is above 20% two sprints running" → a rule. <see cref="AlertSentenceParser"/> reads the
/// alert's own parts (the lead, a run of sprints, an anomaly bound); the rest goes through the tenant's translator like any
/// question, whose spec gives the metric, the scope (filters) and a threshold (<c>having</c> → above/below). One metric and
/// exactly one condition are needed; otherwise the answer is a clarification with sentences that would work.
/// </summary>
public sealed class AlertRuleDrafter(IQuestionTranslator translator)
{
    public async Task<AlertDraftOutcome> DraftAsync(string tenant, string sentence, DateTimeOffset asOf, CancellationToken ct)
    {
        var parsed = AlertSentenceParser.Parse(sentence);
        var outcome = await translator.TranslateAsync(tenant, new TranslationRequest(parsed.Question, asOf), ct);
        if (outcome.Spec is not { } spec)
        {
            return new AlertDraftOutcome(null, outcome.Clarification ?? Unclear("the sentence names no metric I know", null), outcome.Translator, outcome.Notes);
        }

        if (spec.Analysis is not null || spec.Metrics.Count != 1)
        {
            return new AlertDraftOutcome(null, Unclear("an alert watches exactly one metric", spec), outcome.Translator, outcome.Notes);
        }

        var metric = AnalyticsSpec.MetricName(spec.Metrics[0]);
        var thresholds = spec.Having.Where(h => h.Metric == metric).ToList();
        AlertCondition? condition = (parsed.AbsZ, thresholds) switch
        {
            ({ } z, []) => new AlertCondition(AlertCondition.AbsZAbove, z, parsed.Sprints ?? 1),
            (null, [var h]) when h.Op is "gt" or "gte" => new AlertCondition(AlertCondition.Above, h.Value, parsed.Sprints ?? 1),
            (null, [var h]) when h.Op is "lt" or "lte" => new AlertCondition(AlertCondition.Below, h.Value, parsed.Sprints ?? 1),
            _ => null,
        };
        if (condition is null)
        {
            var reason = parsed.AbsZ is not null && thresholds.Count > 0
                ? "the sentence gives both a threshold and an anomaly bound; say one"
                : "the sentence does not say when to alert: above or below a value, or unusual (|z| above a bound)";
            return new AlertDraftOutcome(null, Unclear(reason, spec), outcome.Translator, outcome.Notes);
        }

        var scope = spec with { Having = [], Sort = [], Limit = null, Time = null, Compare = null, GroupBy = [] };
        var notes = outcome.Notes.ToList();
        if (spec.Time is not null || spec.GroupBy.Count > 0)
        {
            notes.Add("an alert is judged on each team's latest closed sprint(s): the window and grouping of the sentence were left out");
        }

        return new AlertDraftOutcome(new AlertRuleDraft(null, scope, condition, sentence.Trim()), null, outcome.Translator, notes);
    }

    private static Clarification Unclear(string reason, AnalyticsSpec? spec)
    {
        var metric = spec is { Metrics.Count: > 0 } ? AnalyticsSpec.MetricName(spec.Metrics[0]).Replace('_', ' ') : "spillover";
        var team = spec?.Filters.FirstOrDefault(f => f.Dimension == "team" && !FilterOps.IsNegative(f.Op))?.Values.FirstOrDefault();
        var who = team is null ? "" : team + "'s ";
        return new Clarification(reason,
        [
            new ClarificationOption("above a value", $"tell me when {who}{metric} is above 20%"),
            new ClarificationOption("a run of sprints", $"tell me when {who}{metric} is above 20% two sprints running"),
            new ClarificationOption("unusual for the team", $"tell me when {who}{metric} is unusual"),
        ]);
    }
}
