using SpiralAnalytics.Core.Translation;

namespace SpiralAnalytics.Infrastructure.Translation;

/// <summary>
/// The tenant's verified question → spec pairs nearest to a question (by embedding), nearest first: worked examples a
/// translator may put in its prompt. Implemented by the verified-question store; RLS limits it to the tenant's own pairs.
/// </summary>
public interface IVerifiedExamples
{
    Task<IReadOnlyList<VerifiedExample>> NearestAsync(string tenant, string question, int count, CancellationToken ct);
}
