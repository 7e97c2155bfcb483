using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Infrastructure.Translation;
using SpiralAnalytics.Infrastructure.Verified;

namespace SpiralAnalytics.Infrastructure;

public static class VerifiedServiceCollectionExtensions
{
    /// <summary>
    /// Verified questions (section Verified): the tenant's question → spec store, its matcher (used first by the ask
    /// pipeline), the examples it gives the LLM translator's prompt (<see cref="IVerifiedExamples"/>) and the drift check.
    /// Needs AddSpiralData, AddSpiralCatalog (the embedder), AddSpiralQueries and AddSpiralTranslation. Idempotent.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralVerified(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(VerifiedQuestionStore)))
        {
            return builder;
        }

        builder.Services.AddOptions<VerifiedQuestionOptions>()
            .BindConfiguration(VerifiedQuestionOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<VerifiedQuestionStore>();
        builder.Services.TryAddSingleton<IVerifiedExamples>(sp => sp.GetRequiredService<VerifiedQuestionStore>());
        builder.Services.AddSingleton<VerifiedQuestionService>();
        builder.Services.AddSingleton<VerifiedQuestionChecker>();
        return builder;
    }
}
