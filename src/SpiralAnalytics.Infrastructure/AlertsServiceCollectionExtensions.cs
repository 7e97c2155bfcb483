using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Infrastructure.Alerts;
using SpiralAnalytics.Infrastructure.Analytics;

namespace SpiralAnalytics.Infrastructure;

public static class AlertsServiceCollectionExtensions
{
    /// <summary>
    /// Alert rules, their evaluation and webhook delivery (section <c>Alerts</c>). Call after AddSpiralJobs: where a Hangfire
    /// client is registered (the API with jobs on), each refresh of the views enqueues the evaluation and each new firing
    /// becomes a delivery job; elsewhere (the CLI) firings are delivered in process. Needs AddSpiralData, AddSpiralCatalog,
    /// AddSpiralQueries and AddSpiralTranslation.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralAlerts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AlertStore>();
        builder.Services.AddSingleton<AlertEvaluator>();
        builder.Services.AddSingleton<AlertDelivery>();
        builder.Services.AddSingleton<AlertRuleDrafter>();
        builder.Services.AddTransient<IAlertEvaluationJob, AlertEvaluationJob>();
        builder.Services.AddTransient<IAlertDeliveryJob, AlertDeliveryJob>();
        if (builder.Services.Any(s => s.ServiceType == typeof(IBackgroundJobClient)))
        {
            builder.Services.AddSingleton<IAlertDispatcher, HangfireAlertDispatcher>();
            builder.Services.AddSingleton<IAfterRefresh, AlertEvaluationScheduler>();
        }
        else
        {
            builder.Services.AddSingleton<IAlertDispatcher, InlineAlertDispatcher>();
        }

        return builder;
    }
}
