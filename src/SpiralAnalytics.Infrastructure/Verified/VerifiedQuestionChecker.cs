using System.Text.Json.Nodes;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Translation;

namespace SpiralAnalytics.Infrastructure.Verified;

/// <summary>
/// One verified pair after a check: <c>ok</c> (the translator reads the question as the verified spec); <c>overrides</c>
/// (the translator still reads it as it did when the pair was verified, not as the verified spec: the pair keeps correcting
/// it, which is no drift); <c>differs</c> (the translator's reading moved: it is neither the verified spec nor the reading
/// recorded at verification, or it now asks back); or <c>invalid</c> (the stored spec no longer validates, or a metric it
/// uses was deprecated or got a new major version since it was verified). <see cref="Problems"/> says what, one line each.
/// </summary>
public sealed record VerifiedCheckItem(Guid Id, string Question, string Status, IReadOnlyList<string> Problems, JsonNode StoredSpec, JsonNode? TranslatedSpec)
{
    public const string Ok = "ok";
    public const string Overrides = "overrides";
    public const string Differs = "differs";
    public const string Invalid = "invalid";

    public bool Drifted => Status is Differs or Invalid;
}

public sealed record VerifiedCheckReport(int Checked, int Drifted, IReadOnlyList<VerifiedCheckItem> Items);

/// <summary>
/// <c>spiral verified check</c>: after a catalog change, re-runs every verified question of a tenant through the translator
/// (which never consults verified pairs itself, so this is what the translator would answer without them) and re-validates
/// every stored spec against today's catalog and the tenant's values.
/// </summary>
public sealed class VerifiedQuestionChecker(VerifiedQuestionStore store, VerifiedQuestionService verifier, QueryExecutor executor, CatalogReader catalogs)
{
    public async Task<VerifiedCheckReport> CheckAsync(string tenant, DateTimeOffset asOf, CancellationToken ct)
    {
        var catalog = await catalogs.LoadAsync(ct);
        var items = new List<VerifiedCheckItem>();
        foreach (var pair in (await store.ListAsync(tenant, VerifiedStates.Verified, ct)).OrderBy(p => p.CreatedAt).ThenBy(p => p.Id))
        {
            var spec = pair.ParsedSpec();
            var problems = VerifiedDrift.VersionProblems(pair.MetricVersions, catalog).ToList();
            try
            {
                await executor.ValidateAsync(spec, tenant, ct);
            }
            catch (SpecValidationException e)
            {
                problems.AddRange(e.Errors.Select(error => $"the stored spec no longer validates: {error}"));
            }

            var invalid = problems.Count > 0;
            var now = await verifier.ReadingAsync(tenant, pair.Question, asOf, ct);
            JsonNode? translated = now is null ? null : SpecJson.ToNode(now);
            var reading = now is null ? null : SpecJson.Write(now);
            var status = VerifiedCheckItem.Ok;
            if (reading is null)
            {
                status = VerifiedCheckItem.Differs;
                problems.Add("the translator now asks back instead of answering");
            }
            else if (reading != SpecJson.Write(spec))
            {
                var recorded = pair.TranslatorSpec is { } node && SpecJson.Parse(node.ToJsonString()) is { IsValid: true } was ? SpecJson.Write(was.Spec!) : null;
                status = reading == recorded ? VerifiedCheckItem.Overrides : VerifiedCheckItem.Differs;
                problems.Add(status == VerifiedCheckItem.Overrides
                    ? $"the translator still reads it as {reading}, as when it was verified: the verified spec answers it"
                    : $"the translator now reads it as {reading}");
            }

            status = invalid ? VerifiedCheckItem.Invalid : status;
            items.Add(new VerifiedCheckItem(pair.Id, pair.Question, status, problems, pair.Spec, translated));
        }

        return new VerifiedCheckReport(items.Count, items.Count(i => i.Drifted), items);
    }
}

/// <summary>snake_case JSON of verified questions and check reports (<c>spiral verified … --json</c>).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
[System.Text.Json.Serialization.JsonSerializable(typeof(VerifiedQuestion))]
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<VerifiedQuestion>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(VerifiedCheckReport))]
public sealed partial class VerifiedJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
