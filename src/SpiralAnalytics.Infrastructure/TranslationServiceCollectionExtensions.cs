using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Core.Translation.Offline;
using SpiralAnalytics.Infrastructure.Translation;

namespace SpiralAnalytics.Infrastructure;

public static class TranslationServiceCollectionExtensions
{
    /// <summary>
    /// Question → spec: the context loader, the offline translator (the default, no network) and the question translator.
    /// With <c>Translator:Llm:Endpoint</c> set, the model behind it answers first and the offline translator whenever it cannot.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralTranslation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LlmTranslatorOptions>()
            .BindConfiguration(LlmTranslatorOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<TranslationContextLoader>();
        builder.Services.AddSingleton<OfflineTranslator>();
        builder.Services.AddSingleton(sp => new SemanticKernelTranslator(
            sp.GetRequiredService<IOptions<LlmTranslatorOptions>>(),
            sp.GetRequiredService<OfflineTranslator>(),
            sp.GetRequiredService<ILogger<SemanticKernelTranslator>>()));
        builder.Services.AddSingleton<IContextTranslator>(sp =>
            sp.GetRequiredService<IOptions<LlmTranslatorOptions>>().Value.IsConfigured
                ? sp.GetRequiredService<SemanticKernelTranslator>()
                : sp.GetRequiredService<OfflineTranslator>());
        builder.Services.AddSingleton<IQuestionTranslator, QuestionTranslator>();
        return builder;
    }
}
