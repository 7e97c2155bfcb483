using Microsoft.Extensions.Logging;

namespace SpiralAnalytics.Infrastructure;

/// <summary>Verified questions (1900-1919).</summary>
internal static partial class Log
{
    [LoggerMessage(1900, LogLevel.Information, "Verified question {Id} of tenant {Tenant}: {Action}")]
    public static partial void VerifiedQuestionStored(ILogger logger, string tenant, Guid id, string action);

    [LoggerMessage(1901, LogLevel.Information, "Re-embedded {Count} verified question(s) with {EmbedderId}")]
    public static partial void VerifiedQuestionsReembedded(ILogger logger, int count, string embedderId);

    [LoggerMessage(1902, LogLevel.Information, "Ask job {JobId}: answered from verified question {PairId} ({Kind}, similarity {Similarity})")]
    public static partial void AskAnsweredVerified(ILogger logger, Guid jobId, Guid pairId, string kind, double similarity);

    [LoggerMessage(1903, LogLevel.Warning, "Ask job {JobId}: verified question {PairId} matched but cannot answer ({Reason}); the translator answers")]
    public static partial void VerifiedMatchUnusable(ILogger logger, Guid jobId, Guid pairId, string reason);

    [LoggerMessage(1904, LogLevel.Warning, "Looking up verified questions failed ({Message}); the translator answers")]
    public static partial void VerifiedLookupFailed(ILogger logger, string message);
}
