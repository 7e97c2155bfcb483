using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Api.Endpoints;

/// <summary><c>POST /api/v1/query</c>: validate and execute an AnalyticsSpec for the caller's tenant (what <c>spiral query</c> does).</summary>
public static class QueryEndpoints
{
    public static IEndpointRouteBuilder MapQueryEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Query");
        group.MapPost("/query", ExecuteAsync)
            .WithName("Query")
            .WithSummary("Validate and execute an AnalyticsSpec")
            .WithDescription("The body is the spec (ANALYTICS-SPEC.md), optionally with an `as_of` field; or `{\"spec\": {...}, \"as_of\": ...}`. "
                + "`as_of` may also be a query parameter. An invalid spec is a 400 whose `errors` lists every typed error.")
            .Accepts<JsonObject>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<QueryResult>> ExecuteAsync(
        HttpContext http, [FromBody] JsonObject body, [FromQuery(Name = "as_of")] string? asOf, QueryExecutor executor, CancellationToken ct)
    {
        var spec = body;
        string? bodyAsOf = null;
        if (body.TryGetPropertyValue("as_of", out var asOfNode))
        {
            bodyAsOf = asOfNode?.GetValueKind() == System.Text.Json.JsonValueKind.String
                ? asOfNode.GetValue<string>()
                : throw new UserErrorException("as_of must be a string: an ISO date (2026-03-01) or date-time");
            spec = (JsonObject)body.DeepClone();
            spec.Remove("as_of");
        }

        if (spec.TryGetPropertyValue("spec", out var wrapped))
        {
            spec = wrapped as JsonObject ?? throw new UserErrorException("spec must be a JSON object (an AnalyticsSpec)");
        }

        if (asOf is not null && bodyAsOf is not null && asOf != bodyAsOf)
        {
            throw new UserErrorException($"as_of is given twice with different values ('{asOf}' in the query, '{bodyAsOf}' in the body)");
        }

        var result = await executor.ExecuteAsync(spec.ToJsonString(), http.User.Tenant(), AsOfText.Parse(asOf ?? bodyAsOf), null, ct);
        return TypedResults.Ok(result);
    }
}
