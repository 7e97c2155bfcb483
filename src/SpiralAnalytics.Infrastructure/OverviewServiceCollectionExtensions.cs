using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Infrastructure.Overview;

namespace SpiralAnalytics.Infrastructure;

public static class OverviewServiceCollectionExtensions
{
    /// <summary>
    /// The health overview (section <c>Overview</c>). This is the one place its providers are registered: one
    /// <see cref="CategoryOverviewProvider"/> per catalog category (<see cref="MetricCategories.All"/>), in that order. Another
    /// <see cref="IOverviewProvider"/> registered after this call adds a card. Needs AddSpiralData, AddSpiralCatalog, AddSpiralQueries.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralOverview(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OverviewOptions>().BindConfiguration(OverviewOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        foreach (var category in MetricCategories.All)
        {
            builder.Services.AddSingleton<IOverviewProvider>(sp => ActivatorUtilities.CreateInstance<CategoryOverviewProvider>(sp, category));
        }

        builder.Services.AddSingleton<OverviewService>();
        return builder;
    }
}
