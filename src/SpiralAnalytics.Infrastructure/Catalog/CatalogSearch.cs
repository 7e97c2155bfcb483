using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Npgsql;
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
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    ILogger<CatalogSearch> logger)
{
    public const int MaxTop = 50;
    private const double ExactBoost = 1.0;
    private const double StemBoost = 0.8;

    /// <summary>The share of the sentence model in the blended similarity (the rest is lexical).</summary>
    public const double SemanticWeight = 0.5;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, float[]> Lexical = new(StringComparer.Ordinal);

    /// <summary>The shipped catalog's active metrics and one tenant's active metrics (a tenant metric hides the shipped one of its name).</summary>
    private const string TenantCandidates =
        """
        WITH c AS (
            SELECT v.metric_name, v.version, v.definition, v.embedding, v.embedder_id, v.search_text
            FROM tenant_metrics m
            JOIN tenant_metric_versions v ON v.tenant_id = m.tenant_id AND v.metric_name = m.name AND v.version = m.current_version
            WHERE m.status = 'active'
            UNION ALL
            SELECT v.metric_name, v.version, v.definition, v.embedding, v.embedder_id, v.search_text
            FROM metric_versions v JOIN metrics m ON m.name = v.metric_name AND m.current_version = v.version
            WHERE m.status = 'active' AND NOT EXISTS (SELECT 1 FROM tenant_metrics t WHERE t.name = m.name AND t.status = 'active')
        )
        SELECT c.metric_name, c.version, c.definition->>'display_name', c.definition->'synonyms', 1 - (c.embedding <=> $1::vector), c.search_text
        FROM c
        WHERE c.embedder_id = $2
        ORDER BY c.embedding <=> $1::vector
        LIMIT $3
        """;

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

        var query = (await embedder.GenerateAsync([text], cancellationToken: ct))[0].Vector.ToArray();
        await using var session = tenantId is { } tenant ? await TenantSession.BeginAsync(data.Runtime, tenant, ct) : null;
        await using var command = session is not null ? session.Command(TenantCandidates) : data.Runtime.CreateCommand(
            """
            SELECT v.metric_name, v.version, v.definition->>'display_name', v.definition->'synonyms', 1 - (v.embedding <=> $1::vector), v.search_text
            FROM metric_versions v JOIN metrics m ON m.name = v.metric_name AND m.current_version = v.version
            WHERE m.status = 'active' AND v.embedder_id = $2
            ORDER BY v.embedding <=> $1::vector
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = CatalogEmbeddings.ToVectorLiteral(query) });
        command.Parameters.Add(new NpgsqlParameter { Value = embedderId });
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Max(top * 4, 100) });
        var blend = embedder is not LocalHashEmbeddingGenerator;
        var lexicalQuery = blend ? LocalHashEmbeddingGenerator.Embed(text) : [];

        var normalized = CatalogText.Normalize(text);
        var stems = LocalTextAnalyzer.Stems(text).ToHashSet(StringComparer.Ordinal);
        var candidates = new List<(string Name, string Display, string Version, double Score, double Similarity, string? Match)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var name = reader.GetString(0);
                var display = reader.GetString(2);
                var synonyms = JsonSerializer.Deserialize(reader.GetString(3), CatalogSearchJsonContext.Default.ListString) ?? [];
                var similarity = reader.GetDouble(4);
                if (blend && !reader.IsDBNull(5))
                {
                    var searchText = reader.GetString(5);
                    var lexical = Lexical.GetOrAdd(searchText, LocalHashEmbeddingGenerator.Embed);
                    similarity = SemanticWeight * similarity + (1 - SemanticWeight) * lexicalQuery.Zip(lexical).Sum(p => (double)p.First * p.Second);
                }

                var (boost, match) = Boost(normalized, stems, [CatalogText.NameAsWords(name), display, .. synonyms], name);
                candidates.Add((name, display, reader.GetString(1), similarity + (1 - similarity) * boost, similarity, match));
            }
        }

        if (session is not null)
        {
            await session.CommitAsync(ct);
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
        await using var command = data.Runtime.CreateCommand(
            """
            SELECT count(*)::int,
                   count(*) FILTER (WHERE v.embedder_id IS DISTINCT FROM $1)::int,
                   coalesce(array_agg(DISTINCT coalesce(v.embedder_id, 'none')) FILTER (WHERE v.embedder_id IS DISTINCT FROM $1), '{}')
            FROM metric_versions v JOIN metrics m ON m.name = v.metric_name AND m.current_version = v.version
            WHERE m.status = 'active'
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = embedderId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Staleness(reader.GetInt32(0), reader.GetInt32(1), reader.GetFieldValue<string[]>(2));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class CatalogSearchJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
