using Microsoft.AspNetCore.Http.HttpResults;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Conversations;
using SpiralAnalytics.Infrastructure.Verified;

namespace SpiralAnalytics.Api.Endpoints;

public sealed record FeedbackRequest(string? Rating, string? Comment);

/// <summary>
/// Conversations are the caller's own jobs grouped by <c>conversation_id</c> (a chat sidebar shows a person their own
/// history); an admin may ask for the whole tenant's with <c>?scope=tenant</c> and read any of its conversations.
/// Another tenant's conversation or job is a 404, never a 403: its existence is not revealed.
/// </summary>
public static class ConversationEndpoints
{
    public static IEndpointRouteBuilder MapConversationEndpoints(this IEndpointRouteBuilder app)
    {
        var conversations = app.MapGroup("/api/v1/conversations").WithTags("Conversations");
        conversations.MapGet("/", ListAsync).WithName("ListConversations")
            .WithSummary("The caller's conversations, latest activity first (admins: ?scope=tenant for everyone's)")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        conversations.MapGet("/{id:guid}/messages", MessagesAsync).WithName("GetConversationMessages")
            .WithSummary("The questions of a conversation in order, with status, spec, result summary and clarification")
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGroup("/api/v1/jobs").WithTags("Feedback")
            .MapPost("/{id:guid}/feedback", RateAsync).WithName("RateJob")
            .WithSummary("Rate an answer up or down, with an optional comment (rating again replaces it)")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<ConversationSummary>>, ForbidHttpResult>> ListAsync(
        HttpContext http, string? scope, int? limit, ConversationStore store, CancellationToken ct)
    {
        var user = http.User;
        string? owner = scope switch
        {
            null or "mine" => user.UserId(),
            "tenant" => null,
            _ => throw new UserErrorException($"scope '{scope}' is not one of mine, tenant"),
        };
        if (scope == "tenant" && !user.IsAdmin())
        {
            return TypedResults.Forbid();
        }

        if (limit is < 1 or > ConversationStore.MaxLimit)
        {
            throw new UserErrorException($"limit must be between 1 and {ConversationStore.MaxLimit}");
        }

        return TypedResults.Ok(await store.ListAsync(user.Tenant(), owner, limit ?? 50, ct));
    }

    private static async Task<Ok<IReadOnlyList<ConversationMessage>>> MessagesAsync(Guid id, HttpContext http, ConversationStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.MessagesAsync(http.User.Tenant(), id, http.User.IsAdmin() ? null : http.User.UserId(), ct));

    /// <summary>A thumbs-up on an answer also proposes its question → spec pair (state proposed) for an admin to verify.</summary>
    private static async Task<Ok<Feedback>> RateAsync(Guid id, FeedbackRequest body, HttpContext http, ConversationStore store,
        VerifiedQuestionService verified, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Rating))
        {
            throw new UserErrorException("rating is required: up or down");
        }

        var feedback = await store.RateAsync(http.User.Tenant(), id, http.User.UserId(), body.Rating, body.Comment, ct);
        if (feedback.Rating != FeedbackRatings.Up)
        {
            return TypedResults.Ok(feedback);
        }

        try
        {
            return TypedResults.Ok(feedback with { ProposedVerified = await verified.ProposeJobAsync(http.User.Tenant(), id, http.User.UserId(), ct) });
        }
        catch (UserErrorException)
        {
            return TypedResults.Ok(feedback); // the answer's spec no longer validates: the rating stands, nothing is proposed
        }
    }
}
