using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Catalog;

namespace SpiralAnalytics.Infrastructure;

public static class CatalogServiceCollectionExtensions
{
    /// <summary>The metrics catalog: import/export, reads, deprecation, semantic search and the embedder (section Spiral:Embeddings).</summary>
    public static IHostApplicationBuilder AddSpiralCatalog(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmbeddingOptions>()
            .BindConfiguration(EmbeddingOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value;
            return options.Provider switch
            {
                "openai" => new OpenAiCompatibleEmbeddingGenerator(new HttpClient { Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds) }, options),
                "local" => new LocalHashEmbeddingGenerator(),
                var model => new SentenceEmbeddingGenerator(model, options.ModelPath),
            };
        });
        // a missing or broken model fails the start, not the first question
        builder.Services.AddHostedService<EmbeddingModelCheck>();
        builder.Services.AddSingleton<CatalogReader>();
        // the refresh's stored z-scores of the composites' components need the tenants' catalogs (AnalyticsRefresher takes it when registered)
        builder.Services.AddSingleton<SprintZStore>();
        builder.Services.AddSingleton<IAfterRefresh>(sp => sp.GetRequiredService<SprintZStore>());
        builder.Services.AddSingleton<CatalogImporter>();
        builder.Services.AddSingleton<CatalogExporter>();
        builder.Services.AddSingleton<CatalogDeprecator>();
        builder.Services.AddSingleton<CatalogSearch>();
        builder.Services.AddSingleton<CatalogEditor>();
        builder.Services.AddOptions<TenantCatalogOptions>()
            .BindConfiguration(TenantCatalogOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SqlMetricChecker>();
        builder.Services.AddSingleton<TenantCatalogStore>();
        builder.Services.AddSingleton<TenantMetricValues>();
        return builder;
    }
}
