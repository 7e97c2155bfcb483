using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Infrastructure.Jira;

namespace SpiralAnalytics.Infrastructure;

public static class JiraServiceCollectionExtensions
{
    /// <summary>The Jira connector: options (section <c>Jira</c>), the HTTP client, the sync and its scheduled job.</summary>
    public static IHostApplicationBuilder AddSpiralJira(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JiraOptions>()
            .BindConfiguration(JiraOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<JiraClientFactory>();
        builder.Services.AddSingleton<JiraSync>();
        builder.Services.AddTransient<IJiraSyncJob, JiraSyncJob>();
        return builder;
    }
}
