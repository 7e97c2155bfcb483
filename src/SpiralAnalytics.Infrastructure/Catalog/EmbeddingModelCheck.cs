using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>
/// Resolves the configured embedder when the host starts, so a missing or broken sentence-embedding model stops the start
/// with its <see cref="EmbeddingModelException"/> (which names the file and the fallback) instead of failing a question later.
/// </summary>
public sealed class EmbeddingModelCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
