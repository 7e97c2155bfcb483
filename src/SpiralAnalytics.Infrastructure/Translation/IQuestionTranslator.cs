using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Infrastructure.Translation;

/// <summary>Question → spec or clarification for one tenant. Never throws for a question it cannot answer: it clarifies.</summary>
public interface IQuestionTranslator
{
    Task<TranslationOutcome> TranslateAsync(string tenant, TranslationRequest request, CancellationToken ct);

    /// <summary>
    /// Within a question's context already resolved (the ask pipeline's): its catalog and dimension members are used as
    /// they are, not read again. A translator that needs no context answers as for the tenant's slug.
    /// </summary>
    Task<TranslationOutcome> TranslateAsync(QuestionContext context, TranslationRequest request, CancellationToken ct) =>
        TranslateAsync(context.Tenant, request, ct);
}
