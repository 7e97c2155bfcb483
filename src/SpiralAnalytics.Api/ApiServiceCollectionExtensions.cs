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
    /// ProblemDetails for every error, through <see cref="ApiExceptionHandler"/>, written as JSON whatever the client's
    /// <c>Accept</c> (<see cref="ProblemJsonFallbackWriter"/>); bad request bodies thrown to it; JSON bodies with duplicate
    /// keys are refused.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralApi(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.AllowDuplicateProperties = false;
            // Depth stays at the serializer's default (64) here: these options also write responses and the OpenAPI
            // document, which nest deeper than a spec; spec bodies are parsed by SpecJson with Core.Specs.SpecLimits.MaxJsonDepth.
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, QueryJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, MetricJsonContext.Default);
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<IProblemDetailsWriter, ProblemJsonFallbackWriter>(); // after the default writer: the last resort
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return builder;
    }
}
