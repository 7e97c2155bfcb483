using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Infrastructure.Translation;

/// <summary>Loads the question's context once, then lets the configured <see cref="IContextTranslator"/> answer.</summary>
public sealed class QuestionTranslator(TranslationContextLoader loader, IContextTranslator translator) : IQuestionTranslator
{
    public async Task<TranslationOutcome> TranslateAsync(string tenant, TranslationRequest request, CancellationToken ct)
    {
        var context = await loader.LoadAsync(tenant, request, ct);
        return await translator.TranslateAsync(request, context, ct);
    }

    public async Task<TranslationOutcome> TranslateAsync(QuestionContext context, TranslationRequest request, CancellationToken ct)
    {
        var loaded = await loader.LoadAsync(context, request, ct);
        return await translator.TranslateAsync(request, loaded, ct);
    }
}
