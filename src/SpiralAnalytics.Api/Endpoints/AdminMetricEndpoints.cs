using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Catalog;

namespace SpiralAnalytics.Api.Endpoints;

/// <summary>What a create or update did: <c>added</c>, <c>new_version</c> or <c>unchanged</c>, and the metric as stored.</summary>
public sealed record MetricEditResponse(string Action, string Version, string? PreviousVersion, MetricDefinition Metric);

public sealed record DeprecateRequest(string? ReplacedBy, string? Reason);

/// <summary>
/// Catalog changes (role admin). A definition is sent as YAML (<c>application/yaml</c>, the file format of <c>catalog/</c>)
/// or as the same fields in JSON; it goes through the loader, checks and importer of <c>spiral catalog validate</c>/<c>import</c>.
/// </summary>
public static class AdminMetricEndpoints
{
    private const int MaxDefinitionBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapAdminMetricEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/metrics").WithTags("Admin").RequireAuthorization(SpiralClaims.AdminPolicy)
            .WithBodyLimit(MaxDefinitionBytes)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/", CreateAsync).WithName("CreateMetric").WithSummary("Add a metric to the catalog")
            .Accepts<MetricDefinition>("application/json", "application/yaml", "text/yaml", "text/plain")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPut("/{name}", UpdateAsync).WithName("UpdateMetric").WithSummary("Change a metric: a new, higher version (old versions stay)")
            .Accepts<MetricDefinition>("application/json", "application/yaml", "text/yaml", "text/plain")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{name}/deprecate", DeprecateAsync).WithName("DeprecateMetric").WithSummary("Deprecate a metric in favour of an active one")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Created<MetricEditResponse>> CreateAsync(HttpRequest request, CatalogEditor editor, CancellationToken ct)
    {
        var edit = await editor.CreateAsync(await ReadDefinitionAsync(request, ct), ct);
        return TypedResults.Created($"/api/v1/metrics/{edit.Metric.Name}", Response(edit));
    }

    private static async Task<Ok<MetricEditResponse>> UpdateAsync(string name, HttpRequest request, CatalogEditor editor, CancellationToken ct) =>
        TypedResults.Ok(Response(await editor.UpdateAsync(name, await ReadDefinitionAsync(request, ct), ct)));

    private static async Task<Ok<MetricDefinition>> DeprecateAsync(string name, DeprecateRequest body, CatalogDeprecator deprecator, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.ReplacedBy))
        {
            throw new UserErrorException("replaced_by is required: the active metric to use instead");
        }

        return TypedResults.Ok(await deprecator.DeprecateAsync(name, body.ReplacedBy, body.Reason, ct));
    }

    private static MetricEditResponse Response(MetricEdit edit) => new(
        edit.Result.Action switch
        {
            MetricImportAction.Added => "added",
            MetricImportAction.NewVersion => "new_version",
            _ => "unchanged",
        },
        edit.Result.Version, edit.Result.PreviousVersion, edit.Metric);

    private static async Task<string> ReadDefinitionAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxDefinitionBytes)
        {
            throw new UserErrorException($"a metric definition is at most {MaxDefinitionBytes / 1024} KiB");
        }

        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (type is not (null or "application/json" or "application/yaml" or "application/x-yaml" or "text/yaml" or "text/plain"))
        {
            throw new BadHttpRequestException($"content type '{type}' is not supported: send application/json or application/yaml",
                StatusCodes.Status415UnsupportedMediaType);
        }

        using var body = new StreamReader(request.Body, Encoding.UTF8);
        var text = await body.ReadToEndAsync(ct);
        return string.IsNullOrWhiteSpace(text)
            ? throw new UserErrorException("the request body is empty: send the metric definition as YAML or JSON")
            : text;
    }
}
