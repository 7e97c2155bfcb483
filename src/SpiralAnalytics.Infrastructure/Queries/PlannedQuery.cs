using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Infrastructure.Queries;

/// <summary>A spec that passed validation for one tenant, in canonical form, with the catalog it was checked against.</summary>
public sealed record ValidatedSpec(string Tenant, Guid TenantId, AnalyticsSpec Spec, MetricCatalog Catalog, double ValidateMs);

/// <summary>
/// What runs: the canonical spec, the instant its time was resolved against, the built SQL with its parameters and
/// columns, and the version of every metric it uses (which the answer states and the cache key includes).
/// </summary>
public sealed record PlannedQuery(
    string Tenant,
    Guid TenantId,
    AnalyticsSpec Spec,
    DateTimeOffset AsOf,
    BuiltQuery Built,
    IReadOnlyDictionary<string, string> MetricVersions,
    double ValidateMs,
    double PlanMs)
{
    /// <summary>The layer of every metric it uses (shipped or tenant); the answer states it and the cache key includes it.</summary>
    public IReadOnlyDictionary<string, string> MetricLayers { get; init; } = new Dictionary<string, string>();

    /// <summary>What the cache key holds per metric: the version, prefixed <c>tenant:</c> for a tenant's own definition.</summary>
    public IReadOnlyDictionary<string, string> VersionStamps =>
        MetricVersions.ToDictionary(v => v.Key, v => MetricLayers.GetValueOrDefault(v.Key) == Core.Catalog.CatalogLayers.Tenant ? $"tenant:{v.Value}" : v.Value,
            StringComparer.Ordinal);

    /// <summary>The catalog the spec was validated against (an analysis answer reads its components' definitions from it; display names and units for the plain-words reading and summary).</summary>
    public MetricCatalog Catalog { get; init; } = MetricCatalog.Empty;

    /// <summary>The canonical JSON of <see cref="Spec"/>: equal specs, equal text.</summary>
    public string CanonicalSpec => SpecJson.Write(Spec);
}
