using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Diagnosis;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Infrastructure;

public static class QueriesServiceCollectionExtensions
{
    /// <summary>Spec execution (section Query: StatementTimeoutSeconds, MaxRows) and tenant metrics' previews and materialized values. Needs AddSpiralData and AddSpiralCatalog.</summary>
    public static IHostApplicationBuilder AddSpiralQueries(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<QueryOptions>()
            .BindConfiguration(QueryOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ContextWatch>();
        builder.Services.AddSingleton<TenantContextCache>();
        builder.Services.AddSingleton<QueryExecutor>();
        builder.Services.AddSingleton<TenantMetricRunner>();
        builder.Services.AddSingleton<IAfterRefresh>(sp => sp.GetRequiredService<TenantMetricRunner>());
        builder.Services.AddSingleton<SprintDiagnosis>();
        return builder;
    }

    /// <summary>
    /// Listens for the database's notices of context changes (<see cref="ContextWatchListener"/>), so this process can trust
    /// a tenant's context read earlier until one comes (<see cref="TenantContextCache.Unmoved"/>): for a long-running
    /// process that answers questions (the API). Needs AddSpiralQueries.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralContextWatch(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<ContextWatchListener>();
        return builder;
    }
}
