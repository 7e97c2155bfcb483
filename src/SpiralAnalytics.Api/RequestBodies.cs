using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using SpiralAnalytics.Api.Errors;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Api;

/// <summary>The most bytes an endpoint reads from a request body; <c>.WithBodyLimit(bytes)</c> sets it, <see cref="RequestBodies.DefaultLimit"/> otherwise.</summary>
public sealed record RequestBodyLimit(long Bytes);

/// <summary>
/// Request bodies are read through one guard: a size limit per endpoint enforced on the stream itself (so a body sent
/// with <c>Transfer-Encoding: chunked</c>, which has no Content-Length, is cut off at the limit just like a declared one;
/// Kestrel's own limit is set to the same value), and a <c>Content-Type</c> whose charset is not UTF-8 is refused before
/// anything parses it. Both answer a ProblemDetails naming what was wrong (413, 400).
/// </summary>
public static class RequestBodies
{
    /// <summary>Every endpoint without its own limit (small JSON bodies: feedback, deprecation).</summary>
    public const long DefaultLimit = 16 * 1024;

    /// <summary>A question: <see cref="SpecLimits.MaxQuestionLength"/> characters, even if each is escaped as <c>\uXXXX</c>.</summary>
    public const long AskLimit = 16 * 1024;

    /// <summary>A spec, optionally wrapped with <c>as_of</c>.</summary>
    public const long QueryLimit = SpecLimits.MaxSpecJsonBytes + 1024;

    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestBodyLimit(bytes));

    /// <summary>The guard, after routing (the limit is the endpoint's) and inside the exception handler.</summary>
    public static IApplicationBuilder UseRequestBodyGuard(this IApplicationBuilder app) => app.Use(GuardAsync);

    private static async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>()?.Bytes ?? DefaultLimit;
        if (request.ContentLength > limit)
        {
            await RejectAsync(context, StatusCodes.Status413PayloadTooLarge, "The request body is too large", TooLarge(limit));
            return;
        }

        if (request.ContentType is { Length: > 0 } contentType && CharsetProblem(contentType) is { } problem)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, "Bad request", problem);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrel)
        {
            kestrel.MaxRequestBodySize = limit;
        }

        var body = new LimitedReadStream(request.Body, limit);
        request.Body = body;
        await next(context);

        // Model binding treats a failed body read as a lost client and answers nothing; the client is still there.
        if (body.Exceeded && !context.Response.HasStarted)
        {
            context.Response.Clear();
            await RejectAsync(context, StatusCodes.Status413PayloadTooLarge, "The request body is too large", TooLarge(limit));
        }
    }

    internal static string TooLarge(long limit) =>
        $"the request body is larger than this endpoint accepts ({(limit >= 1024 ? $"{limit / 1024} KiB" : $"{limit} bytes")})";

    /// <summary>Null when the Content-Type is readable and its charset (if any) is UTF-8.</summary>
    internal static string? CharsetProblem(string contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return $"Content-Type '{Short(contentType)}' is not a media type (e.g. application/json)";
        }

        var charset = media.Charset.HasValue ? media.Charset.Value!.Trim('"') : null;
        return charset is null || string.Equals(charset, "utf-8", StringComparison.OrdinalIgnoreCase) || string.Equals(charset, "utf8", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"Content-Type charset '{Short(charset)}' is not supported: send the body as UTF-8 (charset=utf-8)";
    }

    private static string Short(string text) => SpecLimits.Quote(text);

    private static async Task RejectAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Type = ApiProblems.TypeFor(status) },
        });
    }

    /// <summary>Reads at most <c>limit</c> bytes; one more is a 413 (<see cref="BadHttpRequestException"/>), whatever the framing.</summary>
    private sealed class LimitedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                Exceeded = true;
                throw new BadHttpRequestException(TooLarge(limit), StatusCodes.Status413PayloadTooLarge);
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
