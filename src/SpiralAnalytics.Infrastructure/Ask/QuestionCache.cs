using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Translation;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>
/// A completed answer to a question, as the question cache keeps it: who translated it (and their notes), the spec, SQL,
/// metric versions and data version the job row records, and the result.
/// </summary>
public sealed record RememberedAnswer(
    string Translator,
    IReadOnlyList<string> Notes,
    string Sql,
    IReadOnlyDictionary<string, string> MetricVersions,
    long DataVersion,
    QueryResult Result);

/// <summary>A question looked up before translation: its context, the conversation's previous spec, its key and what the cache held.</summary>
public sealed record QuestionLookup(QuestionContext Context, AnalyticsSpec? Previous, string Key, RememberedAnswer? Hit);

/// <summary>
/// Recognises a question already answered under the same context before anything is translated, so a repeat costs a
/// cache read. Key = SHA-256 over the tenant, the normalised question (<see cref="VerifiedQuestionText.Normalize"/>), the
/// conversation's previous spec (canonical), <c>as_of</c>, the context stamp (data version, shipped catalog revision, the
/// tenant's revision: its data, catalog layer and verified questions) and the translator; stored through
/// <see cref="AnswerCache"/> (Redis namespaced by tenant, then <c>analytics_cache</c> under RLS). Only completed answers are kept.
/// </summary>
public sealed class QuestionCache(AnswerCache cache, TenantContextCache contexts, JobStore jobs, IServiceProvider services)
{
    private readonly Lazy<string> _translator = new(() => string.Join('+',
        new[] { services.GetService<IQuestionTranslator>()?.GetType().FullName, services.GetService<IContextTranslator>()?.GetType().FullName }
            .Where(n => n is not null)));

    public static string Key(Guid tenantId, string question, AnalyticsSpec? previous, DateTimeOffset asOf, ContextStamp stamp, string translator)
    {
        var text = new StringBuilder("spiral-question/1\n")
            .Append("tenant=").Append(tenantId.ToString("N")).Append('\n')
            .Append("question=").Append(VerifiedQuestionText.Normalize(question)).Append('\n')
            .Append("previous=").Append(previous is null ? "" : SpecJson.Write(previous)).Append('\n')
            .Append("as_of=").Append(asOf.UtcTicks.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("context=").Append(stamp).Append('\n')
            .Append("translator=").Append(translator);
        return "q:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// The question's context and previous spec, and the answer remembered for it if any. <paramref name="before"/> and
    /// <paramref name="excluding"/> place the question in its conversation (a job's own row is not its previous spec).
    /// </summary>
    public async Task<QuestionLookup> LookupAsync(string tenant, Guid tenantId, string question, Guid? conversationId,
        DateTimeOffset before, Guid excluding, DateTimeOffset asOf, CancellationToken ct)
    {
        var context = await contexts.GetAsync(tenant, tenantId, ct);
        var previous = await PreviousAsync(tenantId, conversationId, before, excluding, ct);
        return await LookupAsync(context, question, previous, asOf, ct);
    }

    /// <summary>The conversation's previous spec (null outside a conversation, or before its first readable spec).</summary>
    public async Task<AnalyticsSpec?> PreviousAsync(Guid tenantId, Guid? conversationId, DateTimeOffset before, Guid excluding, CancellationToken ct)
    {
        var previousJson = conversationId is { } conversation ? await jobs.PreviousSpecAsync(tenantId, conversation, before, excluding, ct) : null;
        return previousJson is null ? null : SpecJson.Parse(previousJson.ToJsonString()) is { IsValid: true } p ? p.Spec : null;
    }

    /// <summary>The question's key under <paramref name="context"/> and the answer remembered under it, if any (one cache read).</summary>
    public async Task<QuestionLookup> LookupAsync(QuestionContext context, string question, AnalyticsSpec? previous, DateTimeOffset asOf, CancellationToken ct)
    {
        var key = Key(context.TenantId, question, previous, asOf, context.Stamp, _translator.Value);
        var (payload, _) = await cache.GetTextAsync(context.TenantId, key, ct);
        var hit = payload is null ? null : JsonSerializer.Deserialize(payload, AskJsonContext.Default.RememberedAnswer);
        return new QuestionLookup(context, previous, key, hit);
    }

    public Task RememberAsync(QuestionLookup lookup, RememberedAnswer answer, CancellationToken ct) =>
        cache.SetTextAsync(lookup.Context.TenantId, lookup.Key, lookup.Context.Stamp.DataVersion,
            JsonSerializer.Serialize(answer with { Result = answer.Result with { Question = null, TimingsMs = new Dictionary<string, double>() } },
                AskJsonContext.Default.RememberedAnswer), ct);
}
