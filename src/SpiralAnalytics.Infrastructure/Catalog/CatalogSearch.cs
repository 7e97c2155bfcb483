using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.EntityFrameworkCore;
using Pgvector;
using Pgvector.EntityFrameworkCore;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>One search result: <see cref="Score"/> ranks, <see cref="Similarity"/> is the (blended) cosine similarity.</summary>
/// <param name="Match">The name, display name or synonym the text matched exactly (or by stems), if any.</param>
public sealed record CatalogSearchHit(int Rank, string Name, string DisplayName, string Version, double Score, double Similarity, string? Match);

public sealed record CatalogSearchResult(string Query, string EmbedderId, IReadOnlyList<CatalogSearchHit> Hits, IReadOnlyList<string> Warnings);

/// <summary>
/// Semantic search over the active catalog: the query is embedded with the configured embedder, pgvector ranks the
/// current versions by cosine similarity (HNSW index); with a sentence-embedding model that similarity is blended half and
/// half with the vocabulary's lexical similarity (the hashed n-gram features of <see cref="LocalTextAnalyzer"/> over the
/// same search text: concepts, compounds, stems), which measured better than either alone (README, "Catalog search");
/// then a text that is a metric's name, display name or synonym — exactly, or with the same stems ("reopened ticket" =
/// "reopened tickets") — is lifted to the top: score = similarity + (1 − similarity) × boost, boost 1 for an exact and 0.8
/// for a stem match, else 0.
/// Deprecated metrics are never returned.
/// </summary>
public sealed class CatalogSearch(
    SpiralDataSources data,
    SpiralDb db,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    ILogger<CatalogSearch> logger)
{
    public const int MaxTop = 50;
    private const double ExactBoost = 1.0;
    private const double StemBoost = 0.8;

    /// <summary>The share of the sentence model in the blended similarity (the rest is lexical).</summary>
    public const double SemanticWeight = 0.5;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, float[]> Lexical = new(StringComparer.Ordinal);

    public Task<CatalogSearchResult> SearchAsync(string text, int top, CancellationToken ct) => SearchAsync(text, top, null, ct);

    /// <summary>
    /// Searches the catalog <paramref name="tenantId"/> sees (shipped plus its own active metrics, read under RLS), or the
    /// shipped catalog alone when null.
    /// </summary>
    public async Task<CatalogSearchResult> SearchAsync(string text, int top, Guid? tenantId, CancellationToken ct)
    {
        if (CatalogText.Normalize(text).Length == 0)
        {
            throw new UserErrorException("search text is empty: say what you are looking for, e.g. \"carry over work\"");
        }

        top = Math.Clamp(top, 1, MaxTop);
        var embedderId = CatalogEmbeddings.IdentityOf(embedder);
        var warnings = new List<string>();
        var stale = await StaleAsync(embedderId, ct);
        if (stale.Active == 0)
        {
            throw new UserErrorException("the catalog is empty: import it first with `spiral catalog import catalog`");
        }

        if (stale.Count > 0)
        {
            Log.StaleEmbeddings(logger, stale.Count, embedderId);
            if (stale.Count == stale.Active)
            {
                throw new UserErrorException(
                    $"the catalog's embeddings were made by {string.Join(", ", stale.Ids)}, not by the configured embedder {embedderId}: " +
                    "run `spiral catalog import catalog` to recompute them");
            }

            warnings.Add($"{stale.Count} metric(s) were embedded by another embedder and are left out: run `spiral catalog import` to recompute them");
        }

        var query = new Vector((await embedder.GenerateAsync([text], cancellationToken: ct))[0].Vector);
        var limit = Math.Max(top * 4, 100);
        List<Candidate> nearest;
        if (tenantId is { } tenant)
        {
            await using var session = await TenantSession.BeginAsync(data.Runtime, tenant, ct);
            await using (var context = SpiralDb.For(session))
            {
                // The tenant's active metrics and the shipped ones it has not replaced, each nearest first; together, the nearest.
                var own = await TenantCandidates(context, query, embedderId).Take(limit).ToListAsync(ct);
                var shipped = await ShippedCandidates(context, query, embedderId, excludeTenantNames: true).Take(limit).ToListAsync(ct);
                nearest = [.. own.Concat(shipped).OrderBy(c => c.Distance).Take(limit)];
            }

            await session.CommitAsync(ct);
        }
        else
        {
            await using var context = db.Runtime();
            nearest = await ShippedCandidates(context, query, embedderId, excludeTenantNames: false).Take(limit).ToListAsync(ct);
        }

        var blend = embedder is not LocalHashEmbeddingGenerator;
        var lexicalQuery = blend ? LocalHashEmbeddingGenerator.Embed(text) : [];

        var normalized = CatalogText.Normalize(text);
        var stems = LocalTextAnalyzer.Stems(text).ToHashSet(StringComparer.Ordinal);
        var candidates = new List<(string Name, string Display, string Version, double Score, double Similarity, string? Match)>();
        foreach (var candidate in nearest)
        {
            var (display, synonyms) = Names(candidate.Definition);
            var similarity = 1 - candidate.Distance;
            if (blend)
            {
                var lexical = Lexical.GetOrAdd(candidate.SearchText, LocalHashEmbeddingGenerator.Embed);
                similarity = SemanticWeight * similarity + (1 - SemanticWeight) * lexicalQuery.Zip(lexical).Sum(p => (double)p.First * p.Second);
            }

            var (boost, match) = Boost(normalized, stems, [CatalogText.NameAsWords(candidate.Name), display, .. synonyms], candidate.Name);
            candidates.Add((candidate.Name, display, candidate.Version, similarity + (1 - similarity) * boost, similarity, match));
        }

        var hits = candidates
            .OrderByDescending(c => c.Score).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(top)
            .Select((c, i) => new CatalogSearchHit(i + 1, c.Name, c.Display, c.Version, Math.Round(c.Score, 4), Math.Round(c.Similarity, 4), c.Match))
            .ToList();
        return new CatalogSearchResult(text, embedderId, hits, warnings);
    }

    private static (double Boost, string? Match) Boost(string normalized, HashSet<string> stems, IReadOnlyList<string> phrases, string name)
    {
        (double, string?) best = (0, null);
        foreach (var phrase in phrases)
        {
            if (CatalogText.Normalize(phrase) == normalized)
            {
                return (ExactBoost, phrase == CatalogText.NameAsWords(name) ? name : phrase);
            }

            if (best.Item1 < StemBoost && stems.Count > 0 && LocalTextAnalyzer.Stems(phrase).ToHashSet(StringComparer.Ordinal).SetEquals(stems))
            {
                best = (StemBoost, phrase == CatalogText.NameAsWords(name) ? name : phrase);
            }
        }

        return best;
    }

    private sealed record Staleness(int Active, int Count, IReadOnlyList<string> Ids);

    private async Task<Staleness> StaleAsync(string embedderId, CancellationToken ct)
    {
        await using var context = db.Runtime();
        var ids = await CurrentActive(context).Select(v => v.EmbedderId).ToListAsync(ct);
        var stale = ids.Where(id => id != embedderId).ToList();
        return new Staleness(ids.Count, stale.Count, [.. stale.Select(id => id ?? "none").Distinct().Order(StringComparer.Ordinal)]);
    }

    /// <summary>A metric nearest the query: <see cref="Distance"/> is pgvector's cosine distance (<c>&lt;=&gt;</c>).</summary>
    private sealed record Candidate(string Name, string Version, string Definition, string SearchText, double Distance);

    /// <summary>The current versions of the active shipped metrics.</summary>
    private static IQueryable<StoredMetricVersion> CurrentActive(SpiralDbContext context) =>
        context.MetricVersions.Where(v => context.Metrics.Any(m => m.Name == v.MetricName && m.CurrentVersion == v.Version && m.Status == "active"));

    /// <summary>
    /// The active shipped metrics embedded by <paramref name="embedderId"/>, nearest first: <c>ORDER BY embedding &lt;=&gt; $1</c>,
    /// which the HNSW index (<c>metric_versions_embedding</c>, vector_cosine_ops) serves. With <paramref name="excludeTenantNames"/>,
    /// not those the session's tenant has replaced by an active metric of its own.
    /// </summary>
    private static IQueryable<Candidate> ShippedCandidates(SpiralDbContext context, Vector query, string embedderId, bool excludeTenantNames) =>
        CurrentActive(context)
            .Where(v => v.EmbedderId == embedderId && v.Embedding != null)
            .Where(v => !excludeTenantNames || !context.TenantMetrics.Any(t => t.Name == v.MetricName && t.Status == "active"))
            .OrderBy(v => v.Embedding!.CosineDistance(query))
            .Select(v => new Candidate(v.MetricName, v.Version, v.Definition, v.SearchText, v.Embedding!.CosineDistance(query)));

    /// <summary>The session's tenant's active metrics (RLS: only its rows exist) embedded by <paramref name="embedderId"/>, nearest first.</summary>
    private static IQueryable<Candidate> TenantCandidates(SpiralDbContext context, Vector query, string embedderId) =>
        context.TenantMetricVersions
            .Where(v => v.EmbedderId == embedderId && v.Embedding != null)
            .Where(v => context.TenantMetrics.Any(m => m.TenantId == v.TenantId && m.Name == v.MetricName && m.CurrentVersion == v.Version && m.Status == "active"))
            .OrderBy(v => v.Embedding!.CosineDistance(query))
            .Select(v => new Candidate(v.MetricName, v.Version, v.Definition, v.SearchText, v.Embedding!.CosineDistance(query)));

    /// <summary>The display name and synonyms of a stored definition (canonical JSON).</summary>
    private static (string Display, IReadOnlyList<string> Synonyms) Names(string definition)
    {
        using var json = JsonDocument.Parse(definition);
        var root = json.RootElement;
        var display = root.GetProperty("display_name").GetString() ?? "";
        var synonyms = root.TryGetProperty("synonyms", out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(e => e.GetString() ?? "")]
            : Array.Empty<string>();
        return (display, synonyms);
    }
}
