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
/// Changes to the shipped catalog, which every tenant sees: the platform operator only (policy <c>operator</c>, a role no
/// tenant token carries; the CLI's <c>spiral catalog import</c> with the owner connection is the other way). A definition is
/// sent as YAML (<c>application/yaml</c>, the file format of <c>catalog/</c>) or as the same fields in JSON; it goes through
/// the loader, checks and importer of <c>spiral catalog validate</c>/<c>import</c>. A tenant admin changes only the tenant's
/// own layer (<see cref="AdminMetricEndpoints"/>).
/// </summary>
public static class OperatorMetricEndpoints
{
    internal const int MaxDefinitionBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapOperatorMetricEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/operator/metrics").WithTags("Operator").RequireAuthorization(SpiralClaims.OperatorPolicy)
            .WithBodyLimit(MaxDefinitionBytes)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("/{name}", GetAsync).WithName("GetShippedMetric").WithSummary("A shipped metric's definition, at its current or a given version")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/versions", VersionsAsync).WithName("GetShippedMetricVersions").WithSummary("Every stored version of a shipped metric")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", CreateAsync).WithName("CreateShippedMetric").WithSummary("Add a metric to the shipped catalog (every tenant)")
            .Accepts<MetricDefinition>("application/json", "application/yaml", "text/yaml", "text/plain")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPut("/{name}", UpdateAsync).WithName("UpdateShippedMetric").WithSummary("Change a shipped metric: a new, higher version (old versions stay)")
            .Accepts<MetricDefinition>("application/json", "application/yaml", "text/yaml", "text/plain")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{name}/deprecate", DeprecateAsync).WithName("DeprecateShippedMetric").WithSummary("Deprecate a shipped metric in favour of an active one")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<MetricDefinition>> GetAsync(string name, string? version, CatalogReader reader, CancellationToken ct) =>
        TypedResults.Ok(await reader.GetAsync(name, version, ct));

    private static async Task<Ok<IReadOnlyList<MetricVersionInfo>>> VersionsAsync(string name, CatalogReader reader, CancellationToken ct) =>
        TypedResults.Ok(await reader.VersionsAsync(name, ct));

    private static async Task<Created<MetricEditResponse>> CreateAsync(HttpRequest request, CatalogEditor editor, CancellationToken ct)
    {
        var edit = await editor.CreateAsync(await ReadDefinitionAsync(request, ct), ct);
        return TypedResults.Created($"/api/v1/operator/metrics/{edit.Metric.Name}", Response(edit));
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

    internal static async Task<string> ReadDefinitionAsync(HttpRequest request, CancellationToken ct)
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
