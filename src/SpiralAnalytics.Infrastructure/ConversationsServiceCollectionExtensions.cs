using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Infrastructure.Conversations;

namespace SpiralAnalytics.Infrastructure;

public static class ConversationsServiceCollectionExtensions
{
    /// <summary>Conversations read from the jobs table, and feedback on jobs.</summary>
    public static IHostApplicationBuilder AddSpiralConversations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ConversationStore>();
        return builder;
    }
}
