using Microsoft.Extensions.Options;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Verified;

namespace SpiralAnalytics.Infrastructure.Translation;

/// <summary>
/// Builds the <see cref="TranslationContext"/> of a question: the catalog as the tenant sees it (shipped plus the tenant's
/// own active metrics), the top candidates of the tenant-aware catalog search (pgvector plus name and synonym matches) and
/// every dimension member of the tenant, read as the runtime role.
/// With a model configured (<see cref="LlmTranslatorOptions"/>), the tenant's nearest verified questions come along as
/// examples for its prompt (<see cref="IVerifiedExamples"/>); the offline translator does not use them.
/// </summary>
public sealed class TranslationContextLoader(
    TenantContextCache contexts,
    CatalogSearch search,
    IOptions<LlmTranslatorOptions>? llm = null,
    IOptions<VerifiedQuestionOptions>? verifiedOptions = null,
    IVerifiedExamples? verified = null)
{
    public const int Candidates = 8;

    public async Task<TranslationContext> LoadAsync(string tenant, TranslationRequest request, CancellationToken ct)
    {
        EnsureQuestion(request);
        return await LoadAsync(await contexts.GetAsync(tenant, ct), request, ct);
    }

    /// <summary>The translation context within a question's context (catalog and dimension members already loaded).</summary>
    public async Task<TranslationContext> LoadAsync(QuestionContext question, TranslationRequest request, CancellationToken ct)
    {
        EnsureQuestion(request);
        var (tenant, tenantId, catalog, values) = (question.Tenant, question.TenantId, question.Catalog, question.Values);
        IReadOnlyList<MetricCandidate> candidates;
        try
        {
            var found = await search.SearchAsync(request.Question, Candidates, tenantId, ct);
            candidates = found.Hits.Select(h => new MetricCandidate(h.Name, h.Score, h.Match)).ToList();
        }
        catch (UserErrorException) when (catalog.Active.Count > 0)
        {
            candidates = []; // text with nothing searchable ("???"): the translator clarifies
        }

        var examples = verified is not null && llm?.Value.IsConfigured == true && (verifiedOptions?.Value.PromptExamples ?? 0) > 0
            ? await verified.NearestAsync(tenant, request.Question, verifiedOptions!.Value.PromptExamples, ct)
            : [];
        return new TranslationContext(catalog, candidates, values, request.AsOf) { VerifiedExamples = examples };
    }

    private static void EnsureQuestion(TranslationRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Question))
        {
            throw new UserErrorException("the question is empty: ask about your sprints, e.g. \"spillover by team in the last 3 sprints\"");
        }
    }
}
