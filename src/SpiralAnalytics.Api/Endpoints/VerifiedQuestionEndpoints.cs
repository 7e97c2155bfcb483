using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Verified;

namespace SpiralAnalytics.Api.Endpoints;

/// <summary>Verify a pair: a question with its spec, or the question and spec of a completed job (<c>question</c> then rewords it).</summary>
public sealed record VerifyRequest(string? Question, JsonObject? Spec, Guid? JobId);

/// <summary>What a verify did: <c>added</c> or <c>replaced</c> (the same normalised question was stored before), and the pair.</summary>
public sealed record VerifyResponse(string Action, VerifiedQuestion Pair);

/// <summary>
/// Verified questions of the caller's tenant: anyone may list them; an admin adds (from a question and spec, or from an
/// answered job), approves a proposal (a thumbs-up proposes one), removes, and checks them for drift after a catalog change.
/// Another tenant's pair is a 404 (RLS: it is not there).
/// </summary>
public static class VerifiedQuestionEndpoints
{
    public static IEndpointRouteBuilder MapVerifiedQuestionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/verified-questions").WithTags("Verified questions")
            .MapGet("/", ListAsync).WithName("ListVerifiedQuestions")
            .WithSummary("The tenant's verified (and proposed) questions, newest first; ?state=proposed|verified")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        var admin = app.MapGroup("/api/v1/admin/verified-questions").WithTags("Verified questions")
            .RequireAuthorization(SpiralClaims.AdminPolicy)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapPost("/", AddAsync).WithName("AddVerifiedQuestion")
            .WithSummary("Verify a question → spec pair: {question, spec} or {job_id, question?}")
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/{id:guid}/verify", ApproveAsync).WithName("ApproveVerifiedQuestion")
            .WithSummary("Verify a proposed pair (its spec is validated again)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapDelete("/{id:guid}", RemoveAsync).WithName("RemoveVerifiedQuestion")
            .WithSummary("Remove a pair")
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/check", CheckAsync).WithName("CheckVerifiedQuestions")
            .WithSummary("Re-run every verified question through the translator and re-validate its spec; lists what drifted");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<VerifiedQuestion>>> ListAsync(HttpContext http, string? state, VerifiedQuestionStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListAsync(http.User.Tenant(), state, ct));

    private static async Task<Results<Created<VerifyResponse>, Ok<VerifyResponse>>> AddAsync(
        VerifyRequest body, HttpContext http, VerifiedQuestionService verifier, CancellationToken ct)
    {
        var tenant = http.User.Tenant();
        (VerifiedQuestion Pair, bool Created) added;
        if (body.JobId is { } jobId)
        {
            if (body.Spec is not null)
            {
                throw new UserErrorException("spec: give either job_id (its spec is verified) or question and spec, not both");
            }

            added = await verifier.VerifyJobAsync(tenant, jobId, http.User.UserId(), body.Question, ct);
        }
        else
        {
            if (string.IsNullOrWhiteSpace(body.Question))
            {
                throw new UserErrorException("question is required (or job_id): the question, in words, that the spec answers");
            }

            if (body.Spec is null)
            {
                throw new UserErrorException("spec is required (or job_id): the AnalyticsSpec that answers the question");
            }

            var parsed = SpecJson.Parse(body.Spec.ToJsonString());
            if (!parsed.IsValid)
            {
                throw new SpecValidationException(parsed.Errors);
            }

            added = await verifier.VerifyAsync(tenant, body.Question, parsed.Spec!, http.User.UserId(), ct);
        }

        var response = new VerifyResponse(added.Created ? "added" : "replaced", added.Pair);
        return added.Created
            ? TypedResults.Created($"/api/v1/verified-questions/{added.Pair.Id}", response)
            : TypedResults.Ok(response);
    }

    private static async Task<Ok<VerifiedQuestion>> ApproveAsync(Guid id, HttpContext http, VerifiedQuestionStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ApproveAsync(http.User.Tenant(), id, http.User.UserId(), ct));

    private static async Task<NoContent> RemoveAsync(Guid id, HttpContext http, VerifiedQuestionStore store, CancellationToken ct)
    {
        await store.RemoveAsync(http.User.Tenant(), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<VerifiedCheckReport>> CheckAsync(
        HttpContext http, [FromQuery(Name = "as_of")] string? asOf, VerifiedQuestionChecker checker, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await checker.CheckAsync(http.User.Tenant(), AsOfText.Parse(asOf) ?? clock.GetUtcNow(), ct));
}
