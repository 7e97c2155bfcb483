using Microsoft.AspNetCore.Http.HttpResults;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Api.Endpoints;

/// <summary>One metric of the tenant's own layer, with its lifecycle and, once materialized, its latest values.</summary>
public sealed record TenantMetricSummary(string Name, string DisplayName, string Type, string Unit, string Version, string Status, string? ReplacedBy,
    bool OverridesShipped, DateTimeOffset UpdatedAt, TenantMetricRun? LastRun, IReadOnlyList<TenantMetricPoint> Values);

/// <summary>The answer of a validation: every problem (<c>file:line: field: message</c>), none when the definition would be accepted.</summary>
public sealed record ValidationResponse(bool Valid, string? Name, IReadOnlyList<CatalogProblem> Errors);

public sealed record ArchiveRequest(string? ReplacedBy, string? Reason);

/// <summary>
/// The tenant's own catalog layer (role admin of that tenant). Everything here reads and writes through
/// <see cref="TenantCatalogStore"/> as the runtime role with the token's tenant set, so row-level security keeps each
/// tenant's metrics its own: another tenant's metric does not exist here (404), and the shipped catalog cannot be changed
/// from here at all (that is the operator's path, <see cref="OperatorMetricEndpoints"/>). Definitions are YAML (the file
/// format of <c>catalog/</c>) or the same fields as JSON.
/// </summary>
public static class AdminMetricEndpoints
{
    public static IEndpointRouteBuilder MapAdminMetricEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/metrics").WithTags("Tenant catalog").RequireAuthorization(SpiralClaims.AdminPolicy)
            .WithBodyLimit(OperatorMetricEndpoints.MaxDefinitionBytes)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("/", ListAsync).WithName("ListTenantMetrics").WithSummary("The tenant's own metrics (drafts included), with their latest values");
        group.MapPost("/validate", ValidateAsync).WithName("ValidateTenantMetric").WithSummary("Check a definition as it would be stored; stores nothing")
            .Accepts<MetricDefinition>("application/json", "application/yaml", "text/yaml", "text/plain");
        group.MapGet("/{name}", GetAsync).WithName("GetTenantMetric").WithSummary("A tenant metric's definition, at its current or a given version")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/yaml", YamlAsync).WithName("GetTenantMetricYaml").WithSummary("A tenant metric as its YAML file")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/versions", VersionsAsync).WithName("GetTenantMetricVersions").WithSummary("Every stored version, oldest first")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", CreateAsync).WithName("CreateTenantMetric").WithSummary("Add a metric to the tenant's layer, as a draft")
            .Accepts<MetricDefinition>("application/json", "application/yaml", "text/yaml", "text/plain")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPut("/{name}", UpdateAsync).WithName("UpdateTenantMetric").WithSummary("Change a tenant metric: a new, higher version (a draft may keep its version)")
            .Accepts<MetricDefinition>("application/json", "application/yaml", "text/yaml", "text/plain")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{name}/preview", PreviewAsync).WithName("PreviewTenantMetric")
            .WithSummary("Compute a metric (a draft too) over the tenant's last 8 sprints per team, or last 8 months; stores nothing")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{name}/activate", ActivateAsync).WithName("ActivateTenantMetric").WithSummary("Make a draft active: asked for in chat, used by queries")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{name}/archive", ArchiveAsync).WithName("ArchiveTenantMetric").WithSummary("Archive a metric, naming its replacement when there is one")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{name}", DeleteAsync).WithName("DeleteTenantMetric").WithSummary("Delete a draft")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Ok<List<TenantMetricSummary>>> ListAsync(HttpContext http, TenantDirectory tenants, TenantCatalogStore store,
        TenantMetricValues values, CatalogReader shipped, CancellationToken ct)
    {
        var tenantId = await tenants.ResolveAsync(http.User.Tenant(), ct);
        var metrics = await store.ListAsync(tenantId, ct);
        var shippedNames = (await shipped.LoadAsync(ct)).Names.ToHashSet(StringComparer.Ordinal);
        var materialized = await values.ReadAsync(tenantId, ct);
        return TypedResults.Ok(metrics.Select(m =>
        {
            var d = m.Definition;
            var (run, points) = materialized.GetValueOrDefault(d.Name, (null, []));
            return new TenantMetricSummary(d.Name, d.DisplayName, d.Type, d.Unit, d.Version, d.Status, d.ReplacedBy, shippedNames.Contains(d.Name),
                m.UpdatedAt, run, points);
        }).ToList());
    }

    private static async Task<Ok<ValidationResponse>> ValidateAsync(HttpContext http, TenantDirectory tenants, TenantCatalogStore store, CancellationToken ct)
    {
        var text = await OperatorMetricEndpoints.ReadDefinitionAsync(http.Request, ct);
        var tenantId = await tenants.ResolveAsync(http.User.Tenant(), ct);
        var (metric, problems) = await store.ValidateAsync(tenantId, "request", text, ct);
        return TypedResults.Ok(new ValidationResponse(problems.Count == 0, metric?.Definition.Name, problems));
    }

    private static async Task<Ok<MetricDefinition>> GetAsync(string name, string? version, HttpContext http, TenantDirectory tenants, TenantCatalogStore store,
        CancellationToken ct) =>
        TypedResults.Ok(await store.GetAsync(await tenants.ResolveAsync(http.User.Tenant(), ct), name, version, ct));

    private static async Task<ContentHttpResult> YamlAsync(string name, string? version, HttpContext http, TenantDirectory tenants, TenantCatalogStore store,
        CancellationToken ct) =>
        TypedResults.Text(CatalogYamlWriter.Write(await store.GetAsync(await tenants.ResolveAsync(http.User.Tenant(), ct), name, version, ct)), "application/yaml");

    private static async Task<Ok<IReadOnlyList<MetricVersionInfo>>> VersionsAsync(string name, HttpContext http, TenantDirectory tenants,
        TenantCatalogStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.VersionsAsync(await tenants.ResolveAsync(http.User.Tenant(), ct), name, ct));

    private static async Task<Created<TenantMetricEdit>> CreateAsync(HttpContext http, TenantDirectory tenants, TenantCatalogStore store, CancellationToken ct)
    {
        var text = await OperatorMetricEndpoints.ReadDefinitionAsync(http.Request, ct);
        var edit = await store.SaveAsync(await tenants.ResolveAsync(http.User.Tenant(), ct), null, text, http.User.UserId(), ct);
        return TypedResults.Created($"/api/v1/admin/metrics/{edit.Metric.Name}", edit);
    }

    private static async Task<Ok<TenantMetricEdit>> UpdateAsync(string name, HttpContext http, TenantDirectory tenants, TenantCatalogStore store, CancellationToken ct)
    {
        var text = await OperatorMetricEndpoints.ReadDefinitionAsync(http.Request, ct);
        return TypedResults.Ok(await store.SaveAsync(await tenants.ResolveAsync(http.User.Tenant(), ct), name, text, http.User.UserId(), ct));
    }

    private static async Task<Ok<QueryResult>> PreviewAsync(string name, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "as_of")] string? asOf, HttpContext http, TenantMetricRunner runner, CancellationToken ct) =>
        TypedResults.Ok(await runner.PreviewAsync(http.User.Tenant(), name, AsOfText.Parse(asOf), ct));

    private static async Task<Ok<MetricDefinition>> ActivateAsync(string name, HttpContext http, TenantDirectory tenants, TenantCatalogStore store,
        CancellationToken ct) =>
        TypedResults.Ok(await store.ActivateAsync(await tenants.ResolveAsync(http.User.Tenant(), ct), name, ct));

    private static async Task<Ok<MetricDefinition>> ArchiveAsync(string name, ArchiveRequest? body, HttpContext http, TenantDirectory tenants,
        TenantCatalogStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ArchiveAsync(await tenants.ResolveAsync(http.User.Tenant(), ct), name,
            string.IsNullOrWhiteSpace(body?.ReplacedBy) ? null : body.ReplacedBy, body?.Reason, ct));

    private static async Task<NoContent> DeleteAsync(string name, HttpContext http, TenantDirectory tenants, TenantCatalogStore store, CancellationToken ct)
    {
        await store.DeleteDraftAsync(await tenants.ResolveAsync(http.User.Tenant(), ct), name, ct);
        return TypedResults.NoContent();
    }
}
