using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Overview;

namespace SpiralAnalytics.Api.Endpoints;

/// <summary>The health overview: per team and catalog category, the latest closed sprint's key metrics, trend, sparkline and anomaly signal.</summary>
public static class OverviewEndpoints
{
    public static IEndpointRouteBuilder MapOverviewEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/overview").WithTags("Overview")
            .MapGet("/", GetAsync).WithName("GetOverview")
            .WithSummary("Per team and catalog category: latest closed sprint's key metrics, trend vs the previous sprint, sparkline, anomaly (|z| ≥ 2)")
            .WithDescription("`team` (optional) narrows to one team; `as_of` pins the reference date. Each category card is computed by its own "
                + "provider: a provider that fails or times out shows `status: error|timeout` on its card only.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<Ok<OverviewResponse>> GetAsync(HttpContext http, string? team, [FromQuery(Name = "as_of")] string? asOf,
        OverviewService overview, CancellationToken ct) =>
        TypedResults.Ok(await overview.BuildAsync(http.User.Tenant(), team, AsOfText.Parse(asOf), ct));
}
