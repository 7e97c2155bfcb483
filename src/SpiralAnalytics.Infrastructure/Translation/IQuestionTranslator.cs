using SpiralAnalytics.Core.Translation;

namespace SpiralAnalytics.Infrastructure.Translation;

/// <summary>Question → spec or clarification for one tenant. Never throws for a question it cannot answer: it clarifies.</summary>
public interface IQuestionTranslator
{
    Task<TranslationOutcome> TranslateAsync(string tenant, TranslationRequest request, CancellationToken ct);
}
