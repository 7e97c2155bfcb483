using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Translation;

namespace SpiralAnalytics.Infrastructure.Verified;

/// <summary>
/// Verifying and proposing pairs, with the translator's own reading of the question recorded beside them (what
/// <c>spiral verified check</c> compares against later). An answer to a follow-up ("and for Atlas?") means something only
/// in its conversation: it is verified or proposed only when the question alone reads the same, or when the admin gives
/// the question in full.
/// </summary>
public sealed class VerifiedQuestionService(VerifiedQuestionStore store, IQuestionTranslator translator, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>What the translator answers for <paramref name="question"/> alone (it never consults verified pairs); null when it asks back.</summary>
    public async Task<AnalyticsSpec?> ReadingAsync(string tenant, string question, DateTimeOffset? asOf, CancellationToken ct) =>
        (await translator.TranslateAsync(tenant, new TranslationRequest(question, asOf ?? _clock.GetUtcNow()), ct)).Spec;

    public async Task<(VerifiedQuestion Pair, bool Created)> VerifyAsync(string tenant, string question, AnalyticsSpec spec, string userId, CancellationToken ct)
    {
        if (VerifiedQuestionText.Normalize(question ?? "").Length == 0)
        {
            throw new UserErrorException("question is required: the question, in words, that the spec answers");
        }

        var reading = await ReadingAsync(tenant, question!, null, ct);
        return await store.AddAsync(tenant, question!, spec, userId, null, reading, ct);
    }

    /// <summary>Verifies a completed job's answer for its question, or for <paramref name="question"/> when given (a rewording, or a follow-up in full).</summary>
    public async Task<(VerifiedQuestion Pair, bool Created)> VerifyJobAsync(string tenant, Guid jobId, string userId, string? question, CancellationToken ct)
    {
        var job = await store.AnsweredJobAsync(tenant, jobId, ct)
                  ?? throw new UserErrorException($"job_id: job '{jobId}' has no answer to verify: only a completed answer (with a spec) can be verified");
        var given = string.IsNullOrWhiteSpace(question) ? null : question.Trim();
        var text = given ?? job.Question;
        var reading = await ReadingAsync(tenant, text, null, ct);
        if (given is null && job.FollowedUp && !Same(reading, job.Spec))
        {
            throw new UserErrorException(
                $"question: job '{jobId}' answered a follow-up (\"{job.Question}\") whose meaning depends on its conversation: give the question in full");
        }

        return await store.AddAsync(tenant, text, job.Spec, userId, jobId, reading, ct);
    }

    /// <summary>A thumbs-up proposes the job's pair; false when there is nothing to propose (no answer, a follow-up that means nothing alone, already stored).</summary>
    public async Task<bool> ProposeJobAsync(string tenant, Guid jobId, string userId, CancellationToken ct)
    {
        var job = await store.AnsweredJobAsync(tenant, jobId, ct);
        if (job is null || VerifiedQuestionText.Normalize(job.Question).Length == 0)
        {
            return false;
        }

        var reading = await ReadingAsync(tenant, job.Question, null, ct);
        return (!job.FollowedUp || Same(reading, job.Spec))
               && await store.ProposeAsync(tenant, job.Question, job.Spec, userId, jobId, reading, ct);
    }

    private static bool Same(AnalyticsSpec? a, AnalyticsSpec b) => a is not null && SpecJson.Write(a) == SpecJson.Write(b);
}
