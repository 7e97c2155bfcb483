using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation;

/// <summary>A question to translate. <paramref name="Previous"/> is the last spec of the same conversation, which a follow-up changes.</summary>
public sealed record TranslationRequest(string Question, DateTimeOffset AsOf, AnalyticsSpec? Previous = null);

/// <summary>A metric the catalog search found for the question (rank order), with the synonym or name it matched, if any.</summary>
public sealed record MetricCandidate(string Name, double Score, string? Match);

/// <summary>
/// Everything a translator may know about the tenant: the active catalog, the metrics the search found for the question,
/// the tenant's dimension members (teams with their keys, sprints, people, issue types, priorities, epics) and <c>as_of</c>.
/// </summary>
public sealed record TranslationContext(MetricCatalog Catalog, IReadOnlyList<MetricCandidate> Candidates, DimensionValues Values, DateTimeOffset AsOf)
{
    /// <summary>The tenant's verified questions nearest to this one (nearest first): worked examples for a model's prompt.</summary>
    public IReadOnlyList<VerifiedExample> VerifiedExamples { get; init; } = [];
}

/// <summary>
/// What a translator answers: exactly one of <see cref="Spec"/> (valid against the catalog and the tenant's values) or
/// <see cref="Clarification"/>. <see cref="Translator"/> names who answered (<c>offline</c>, <c>llm</c>, or
/// <c>offline</c> with a note saying why the model did not).
/// </summary>
public sealed record TranslationOutcome
{
    public AnalyticsSpec? Spec { get; init; }

    public Clarification? Clarification { get; init; }

    public required string Translator { get; init; }

    /// <summary>What the reader should know (assumptions made, a fallback taken); shown with the answer.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public static TranslationOutcome Of(AnalyticsSpec spec, string translator, IReadOnlyList<string>? notes = null) =>
        new() { Spec = spec, Translator = translator, Notes = notes ?? [] };

    public static TranslationOutcome Ask(Clarification clarification, string translator, IReadOnlyList<string>? notes = null) =>
        new() { Clarification = clarification, Translator = translator, Notes = notes ?? [] };
}

/// <summary>Why the question cannot be answered as asked, and 2–4 concrete questions that can.</summary>
public sealed record Clarification(string Reason, IReadOnlyList<ClarificationOption> Options);

/// <summary>A clickable alternative: <see cref="Question"/> is asked as the next message of the conversation.</summary>
public sealed record ClarificationOption(string Label, string Question);

public static class TranslatorNames
{
    public const string Offline = "offline";
    public const string Llm = "llm";
}

/// <summary>
/// A translator over a loaded <see cref="TranslationContext"/>: the offline translator (pure) or the model-backed one.
/// Returns a spec that passes <c>SpecValidator(context.Catalog, context.Values)</c>, or a clarification.
/// </summary>
public interface IContextTranslator
{
    ValueTask<TranslationOutcome> TranslateAsync(TranslationRequest request, TranslationContext context, CancellationToken ct);
}
