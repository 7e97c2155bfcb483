using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace SpiralAnalytics.Api;

public static class OpenApi
{
    /// <summary>The OpenAPI document (<c>/openapi/v1.json</c>) with the bearer scheme every endpoint but health needs.</summary>
    public static IHostApplicationBuilder AddSpiralOpenApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer<BearerSecurityScheme>());
        return builder;
    }

    /// <summary>The document and its reference UI at <c>/docs</c> (Scalar, served from the package: no CDN, works offline).</summary>
    public static IEndpointRouteBuilder MapSpiralOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o
                .WithTitle("SpiralAnalytics API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .AddPreferredSecuritySchemes(BearerSecurityScheme.Name)
                .DisableDefaultFonts())
            .AllowAnonymous();
        return app;
    }

    private sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
    {
        public const string Name = "Bearer";

        public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
        {
            document.Info.Title = "SpiralAnalytics API";
            document.Info.Description = "Sprint-health answers. Every endpoint but /health/* needs `Authorization: Bearer TOKEN` "
                + "(create one with `spiral token create --tenant SLUG --role admin|lead|viewer`). Errors are RFC 9457 ProblemDetails.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A token from `spiral token create` (claims: sub, tenant, role).",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, document)] = [] });
            return Task.CompletedTask;
        }
    }
}
