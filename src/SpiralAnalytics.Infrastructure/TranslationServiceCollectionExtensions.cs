using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Core.Translation.Offline;
using SpiralAnalytics.Infrastructure.Translation;

namespace SpiralAnalytics.Infrastructure;

public static class TranslationServiceCollectionExtensions
{
    /// <summary>Question → spec: the context loader, the offline translator (the default, no network) and the question translator.</summary>
    public static IHostApplicationBuilder AddSpiralTranslation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TranslationContextLoader>();
        builder.Services.AddSingleton<OfflineTranslator>();
        builder.Services.AddSingleton<IContextTranslator>(sp => sp.GetRequiredService<OfflineTranslator>());
        builder.Services.AddSingleton<IQuestionTranslator, QuestionTranslator>();
        return builder;
    }
}
