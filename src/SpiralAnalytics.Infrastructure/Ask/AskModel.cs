using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>A job's status: the stages in order, then exactly one final status.</summary>
public static class JobStatuses
{
    public const string Queued = "queued";
    public const string Translating = "translating";
    public const string Validating = "validating";
    public const string Planning = "planning";
    public const string Executing = "executing";
    public const string Completed = "completed";
    public const string Clarification = "clarification";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> Stages = [Queued, Translating, Validating, Planning, Executing];

    public static readonly IReadOnlyList<string> Final = [Completed, Clarification, Failed, Cancelled];

    public static bool IsFinal(string status) => Final.Contains(status);
}

/// <summary>
/// One entry of a job's event stream (and one SSE message): <see cref="Seq"/> counts from 1 per job; the final event
/// carries the result object (completed), the clarification, or the error.
/// </summary>
public sealed record JobEvent(long Seq, Guid JobId, string Status, DateTimeOffset At, double ElapsedMs)
{
    public string? Detail { get; init; }

    public JsonNode? Result { get; init; }

    public Clarification? Clarification { get; init; }

    public string? Error { get; init; }

    [JsonIgnore]
    public bool IsFinal => JobStatuses.IsFinal(Status);
}

/// <summary>An <c>analytics_jobs</c> row.</summary>
public sealed record JobRecord
{
    public required Guid Id { get; init; }

    public required Guid TenantId { get; init; }

    public string? UserId { get; init; }

    public Guid? ConversationId { get; init; }

    public string? Question { get; init; }

    public string? Translator { get; init; }

    public JsonNode? Spec { get; init; }

    public string? Sql { get; init; }

    public JsonNode? MetricVersions { get; init; }

    public required string Status { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public JsonNode? StageDurations { get; init; }

    public bool? CacheHit { get; init; }

    public JsonNode? Result { get; init; }

    public string? Error { get; init; }

    public DateTimeOffset? AsOf { get; init; }

    public DateTimeOffset? CancelRequestedAt { get; init; }

    public JsonNode? Clarification { get; init; }

    public JsonNode? Notes { get; init; }

    public int Attempts { get; init; }

    public long? DataVersion { get; init; }
}

/// <summary>Compact (one line) snake_case JSON for events, cached payloads and job rows.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobEvent))]
[JsonSerializable(typeof(QueryResult))]
[JsonSerializable(typeof(Clarification))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, double>))]
[JsonSerializable(typeof(RememberedAnswer))]
public sealed partial class AskJsonContext : JsonSerializerContext;

/// <summary>The <c>as_of</c> forms the CLI and the API accept: an ISO date (midnight UTC) or an ISO date-time (UTC unless an offset is given).</summary>
public static class AsOfText
{
    public static DateTimeOffset? Parse(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date))
        {
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));
        }

        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        throw new Core.Errors.UserErrorException($"{what} '{text}' is not an ISO date (2026-03-01) or date-time (2026-03-01T12:00:00Z)");
    }
}
