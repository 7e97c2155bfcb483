using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Api.Endpoints;

/// <summary>
/// <c>POST /api/v1/query</c>: validate and execute an AnalyticsSpec for the caller's tenant (what <c>spiral query</c> does),
/// through <see cref="QueryService"/>: a spec already answered under the same data version is served from the answer
/// cache (<c>cache: hit</c>), as in the ask pipeline.
/// </summary>
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
            .WithBodyLimit(RequestBodies.QueryLimit)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<QueryResult>> ExecuteAsync(
        HttpContext http, [FromQuery(Name = "as_of")] string? asOf, QueryService queries, CancellationToken ct)
    {
        var (specJson, bodyAsOf) = await ReadBodyAsync(http.Request, ct);
        if (asOf is not null && bodyAsOf is not null && asOf != bodyAsOf)
        {
            throw new UserErrorException($"as_of is given twice with different values ('{SpecLimits.Quote(asOf)}' in the query, '{SpecLimits.Quote(bodyAsOf)}' in the body)");
        }

        var result = await queries.RunAsync(specJson, http.User.Tenant(), AsOfText.Parse(asOf ?? bodyAsOf), ct);
        return TypedResults.Ok(result);
    }

    /// <summary>
    /// The spec's JSON text and the body's <c>as_of</c>. The spec is handed on as the client's own text (never decoded and
    /// re-encoded here), so <see cref="SpecJson.Parse"/> reports every problem in it — duplicate keys, keys differing only in
    /// case, unpaired surrogates, sizes — with its path, as it does for <c>spiral query</c>.
    /// </summary>
    private static async Task<(string Spec, string? AsOf)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true));
        string text;
        try
        {
            text = await reader.ReadToEndAsync(ct);
        }
        catch (DecoderFallbackException)
        {
            throw new UserErrorException("the request body is not valid UTF-8");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new UserErrorException("the request body is empty: send an AnalyticsSpec as JSON");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, SpecJson.DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new SpecValidationException([new SpecError("spec", null, $"not valid JSON: {SpecJson.JsonProblem(e)}") { Rule = "json" }]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (SpecJson.InvalidNames(root) is { Count: > 0 } invalid)
            {
                throw new SpecValidationException(invalid);
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                return (text, null); // SpecJson says what is wrong with it
            }

            string? asOf = null;
            if (root.TryGetProperty("as_of", out var asOfNode))
            {
                if (asOfNode.ValueKind != JsonValueKind.String)
                {
                    throw new UserErrorException("as_of must be a string: an ISO date (2026-03-01) or date-time");
                }

                try
                {
                    asOf = asOfNode.GetString();
                }
                catch (InvalidOperationException)
                {
                    throw new UserErrorException("as_of is not valid text (an unpaired surrogate): an ISO date (2026-03-01) or date-time");
                }
            }

            if (root.TryGetProperty("spec", out var wrapped))
            {
                return wrapped.ValueKind == JsonValueKind.Object
                    ? (wrapped.GetRawText(), asOf)
                    : throw new UserErrorException("spec must be a JSON object (an AnalyticsSpec)");
            }

            // JsonProperty.ToString() is the property's raw text: the spec's other fields exactly as the client wrote them.
            return asOf is null
                ? (text, null)
                : ("{" + string.Join(",", root.EnumerateObject().Where(p => !p.NameEquals("as_of")).Select(p => p.ToString())) + "}", asOf);
        }
    }
}
