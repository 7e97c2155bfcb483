using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Api.Errors;

/// <summary>
/// The one place that turns an exception into an HTTP answer: a rejected spec is a 400 with the typed errors, a user
/// error or unreadable body a 400, an unknown name a 404, an unreachable dependency a 503, a client that went away
/// nothing at all, and anything else a 500 that shows no internals.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            Log.ClientCancelled(logger, request.Method, request.Path);
            context.Response.StatusCode = 499; // nginx's "client closed request": nobody reads it, but logs and metrics do
            return true;
        }

        var problem = Map(exception);
        if (problem.Status == StatusCodes.Status500InternalServerError)
        {
            Log.UnhandledError(logger, exception, request.Method, request.Path);
        }
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            Log.ServiceUnavailable(logger, request.Method, request.Path, exception.Message);
            context.Response.Headers.RetryAfter = "5";
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    internal static ProblemDetails Map(Exception exception) => exception switch
    {
        SpecValidationException spec => Problem(400, "The spec is invalid", spec.Message, errors: spec.Errors),
        CatalogValidationException catalog => Problem(400, "The metric definition is invalid", catalog.Message, problems: catalog.Problems),
        NotFoundException notFound => Problem(404, "Not found", notFound.Message),
        ConflictException conflict => Problem(409, "Conflict", conflict.Message),
        UserErrorException user => Problem(400, "Bad request", user.Message, details: user.Details),
        BadHttpRequestException { InnerException: JsonException json } => Problem(400, "The request body is not valid JSON", JsonMessage(json)),
        BadHttpRequestException bad => Problem(bad.StatusCode, bad.StatusCode == 400 ? "Bad request" : "Request rejected", bad.Message),
        JsonException json => Problem(400, "The request body is not valid JSON", JsonMessage(json)),
        ServiceUnavailableException unavailable => Problem(503, "Service unavailable", unavailable.Message),
        NpgsqlException npgsql when IsConnectionFailure(npgsql) => Problem(503, "Service unavailable", "the database is unreachable"),
        TimeoutException => Problem(503, "Service unavailable", "a required service did not answer in time"),
        _ => Problem(500, "An unexpected error occurred", "the error was logged; quote the traceId when you report it"),
    };

    private static bool IsConnectionFailure(NpgsqlException e) =>
        e is { InnerException: SocketException or TimeoutException or IOException }
        || e is PostgresException { SqlState: "28P01" or "28000" or "3D000" or "57P01" or "57P03" or "53300" }
        || e is not PostgresException && e.SqlState is null;

    /// <summary>Which field and what is wrong with it, in words: never the serializer's type names.</summary>
    internal static string JsonMessage(JsonException json)
    {
        var message = json.Message;
        var reason = message switch
        {
            _ when message.Contains("Duplicate property", StringComparison.Ordinal) => "the key appears twice (keys may not repeat, nor differ only in case)",
            _ when message.Contains("could not be converted", StringComparison.Ordinal) => "the value has the wrong type",
            _ when message.Contains("depth", StringComparison.OrdinalIgnoreCase) => $"nested deeper than {SpecLimits.MaxJsonDepth} levels",
            _ when message.Contains("System.", StringComparison.Ordinal) || message.Contains("SpiralAnalytics.", StringComparison.Ordinal) => "the value does not fit the expected shape",
            _ => SpecJson.JsonProblem(json),
        };
        var path = json.Path is { Length: > 0 } p ? (p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : p) : null;
        return path is null ? reason : $"{SpecLimits.Quote(path)}: {reason}";
    }

    private static ProblemDetails Problem(int status, string title, string detail,
        IReadOnlyList<SpecError>? errors = null, IReadOnlyList<string>? details = null, IReadOnlyList<CatalogProblem>? problems = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = ApiProblems.TypeFor(status) };
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors;
        }

        if (problems is not null)
        {
            problem.Extensions["errors"] = problems;
        }
        else if (details is { Count: > 0 })
        {
            problem.Extensions["details"] = details;
        }

        return problem;
    }
}
