using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Demo;
using SpiralAnalytics.Infrastructure.Migrations;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure;

public static class DataServiceCollectionExtensions
{
    /// <summary>PostgreSQL (owner and runtime roles), migrations, tenants, CSV bundles and demo data.</summary>
    public static IHostApplicationBuilder AddSpiralData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return SpiralDataSources.Create(WithName(options.Owner, "spiral-owner"), WithName(options.Runtime, "spiral-runtime"));
        });
        builder.Services.AddSingleton<SpiralDb>();
        builder.Services.AddSingleton<SqlMigrator>();
        builder.Services.AddSingleton<TenantDirectory>();
        builder.Services.AddSingleton<BundleImporter>();
        builder.Services.AddSingleton<BundleExporter>();
        builder.Services.AddSingleton<AnalyticsRefresher>();
        builder.Services.AddSingleton<DemoSeeder>();
        return builder;
    }

    private static string WithName(string connectionString, string applicationName) =>
        new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = applicationName }.ConnectionString;
}
