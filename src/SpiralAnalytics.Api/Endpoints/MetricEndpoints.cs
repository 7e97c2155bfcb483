using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Api.Endpoints;

/// <summary>One line of the catalog list (<c>spiral catalog list --json</c>).</summary>
/// <summary>One line of the catalog list (<c>spiral catalog list --json</c>); <see cref="Layer"/> is shipped or tenant.</summary>
public sealed record MetricSummary(string Name, string DisplayName, string Category, string Type, string Unit, string Version, string Status,
    string? ReplacedBy, string Description, string Layer)
{
    public static MetricSummary Of(MetricDefinition m) =>
        new(m.Name, m.DisplayName, m.Category, m.Type, m.Unit, m.Version, m.Status, m.ReplacedBy, m.Description, m.Layer);
}

/// <summary>
/// Browse the catalog as the token's tenant sees it — the shipped metrics plus the tenant's own active ones (a tenant
/// version of a shipped metric in its place); never another tenant's. List, semantic search, one definition (any
/// version), its versions. Any authenticated role.
/// </summary>
public static class MetricEndpoints
{
    public static IEndpointRouteBuilder MapMetricEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/metrics").WithTags("Metrics");
        group.MapGet("/", ListAsync).WithName("ListMetrics").WithSummary("The catalog's metrics, optionally of one category")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/search", SearchAsync).WithName("SearchMetrics").WithSummary("Semantic search over the active metrics")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/{name}", GetAsync).WithName("GetMetric").WithSummary("A metric's definition, at its current or a given version")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/versions", VersionsAsync).WithName("GetMetricVersions").WithSummary("Every stored version of a metric, oldest first")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<List<MetricSummary>>> ListAsync(string? category, HttpContext http, TenantDirectory tenants, CatalogReader reader, CancellationToken ct)
    {
        if (category is not null && !MetricCategories.All.Contains(category))
        {
            throw new UserErrorException(
                $"unknown category '{category}'{CatalogText.DidYouMean(category, MetricCategories.All)} (categories: {string.Join(", ", MetricCategories.All)})");
        }

        var catalog = await reader.LoadAsync(await tenants.ResolveAsync(http.User.Tenant(), ct), ct);
        var metrics = category is null ? catalog.All : catalog.InCategory(category);
        return TypedResults.Ok(metrics.Select(MetricSummary.Of).ToList());
    }

    private static async Task<Ok<CatalogSearchResult>> SearchAsync(string? q, int? top, HttpContext http, TenantDirectory tenants, CatalogSearch search,
        CancellationToken ct)
    {
        if (top is < 1 or > CatalogSearch.MaxTop)
        {
            throw new UserErrorException($"top must be between 1 and {CatalogSearch.MaxTop}");
        }

        return TypedResults.Ok(await search.SearchAsync(q ?? "", top ?? 5, await tenants.ResolveAsync(http.User.Tenant(), ct), ct));
    }

    private static async Task<Ok<MetricDefinition>> GetAsync(string name, [FromQuery] string? version, HttpContext http, TenantDirectory tenants,
        CatalogReader reader, CancellationToken ct) =>
        TypedResults.Ok(await reader.GetAsync(await tenants.ResolveAsync(http.User.Tenant(), ct), name, version, ct));

    private static async Task<Ok<IReadOnlyList<MetricVersionInfo>>> VersionsAsync(string name, HttpContext http, TenantDirectory tenants, CatalogReader reader,
        TenantCatalogStore store, CancellationToken ct)
    {
        var tenantId = await tenants.ResolveAsync(http.User.Tenant(), ct);
        var metric = (await reader.LoadAsync(tenantId, ct)).Get(name);
        return TypedResults.Ok(metric.Layer == CatalogLayers.Tenant ? await store.VersionsAsync(tenantId, name, ct) : await reader.VersionsAsync(name, ct));
    }
}
