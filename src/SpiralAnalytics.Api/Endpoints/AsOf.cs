using System.Globalization;
using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Api.Endpoints;

/// <summary>Parses <c>as_of</c> as the CLI's <c>--as-of</c> does: an ISO date (midnight UTC) or a date-time (UTC unless it says otherwise).</summary>
internal static class AsOf
{
    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        throw new UserErrorException($"as_of '{text}' is not an ISO date (2026-03-01) or date-time (2026-03-01T12:00:00Z)");
    }
}
