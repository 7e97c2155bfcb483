using System.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;
using Microsoft.Extensions.Options;

namespace SpiralAnalytics.Api.Errors;

/// <summary>
/// The last <see cref="IProblemDetailsWriter"/>: ASP.NET Core's default writer declines a client whose <c>Accept</c> names no
/// JSON type (a browser's <c>text/html</c>, EventSource's <c>text/event-stream</c>), and then
/// <see cref="IProblemDetailsService.WriteAsync"/> throws — a 401 or 403 became an empty 500. This one always writes the
/// problem as <c>application/problem+json</c>, so every error keeps its status and its body whatever the client accepts.
/// </summary>
internal sealed class ProblemJsonFallbackWriter(IOptions<JsonOptions> json, IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public const string ContentType = "application/problem+json";

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Type ??= ApiProblems.TypeFor(problem.Status.Value);
        if (!problem.Extensions.ContainsKey("traceId"))
        {
            problem.Extensions["traceId"] = Activity.Current?.Id ?? http.TraceIdentifier;
        }

        options.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, typeof(ProblemDetails), json.Value.SerializerOptions, ContentType));
    }
}
