using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Infrastructure.Ask;

namespace SpiralAnalytics.Infrastructure;

public static class AskServiceCollectionExtensions
{
    /// <summary>
    /// The ask pipeline (section Ask; optional ConnectionStrings:Redis): jobs in <c>analytics_jobs</c>, event streams
    /// (Redis Streams plus an in-process copy), the answer cache (Redis, then <c>analytics_cache</c>), cancellation, and
    /// the Hangfire job — enqueued on the <c>ask</c> queue when Hangfire is configured (AddSpiralJobs), run in process
    /// otherwise. Needs AddSpiralData, AddSpiralCatalog, AddSpiralQueries and an <c>IQuestionTranslator</c>.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralAsk(this IHostApplicationBuilder builder)
    {
        builder.AddSpiralVerified();
        builder.Services.AddOptions<AskOptions>().BindConfiguration(AskOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RedisConnection>();
        builder.Services.AddSingleton<InProcessJobEventStream>();
        builder.Services.AddSingleton<ResilientJobEventStream>();
        builder.Services.AddSingleton<IJobEventStream>(sp => sp.GetRequiredService<ResilientJobEventStream>());
        builder.Services.AddSingleton<JobEventReader>();
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<AnswerCache>();
        builder.Services.AddSingleton<QuestionCache>();
        builder.Services.AddSingleton<SpiralAnalytics.Infrastructure.Queries.QueryService>();
        builder.Services.AddSingleton<JobCancellations>();
        builder.Services.AddSingleton<AskPipeline>();
        builder.Services.AddSingleton<AskService>();
        builder.Services.AddTransient<IAskJob, AskJob>();
        builder.Services.AddSingleton<IAskQueue>(sp => sp.GetService<IBackgroundJobClient>() is { } client
            ? new HangfireAskQueue(client)
            : ActivatorUtilities.CreateInstance<InProcessAskQueue>(sp));
        return builder;
    }
}
