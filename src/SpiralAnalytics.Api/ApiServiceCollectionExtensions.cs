using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using SpiralAnalytics.Api.Errors;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>
    /// JSON in snake_case like the spec and the result object (CLI.md), the result's source-generated context first;
    /// ProblemDetails for every error, through <see cref="ApiExceptionHandler"/>; bad request bodies thrown to it.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralApi(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, QueryJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, MetricJsonContext.Default);
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return builder;
    }
}
