using System.Globalization;
using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Core.Specs;

/// <summary>
/// <c>as_of</c> as people write it (CLI <c>--as-of</c>, API <c>as_of</c>): an ISO date (midnight UTC) or a date-time
/// (UTC unless it says otherwise). Anything else is a user error naming <paramref name="field"/>.
/// </summary>
public static class AsOfText
{
    public static DateTimeOffset? Parse(string? text, string field = "as_of")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        DateTimeOffset? at = null;
        if (text.Length <= SpecLimits.MaxNameLength)
        {
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                at = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));
            }
            else if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                at = parsed;
            }
        }

        if (at is not { } value)
        {
            throw new UserErrorException($"{field} '{SpecLimits.Quote(text)}' is not an ISO date (2026-03-01) or date-time (2026-03-01T12:00:00Z)");
        }

        // Every time form shifts as_of back (periods, rolling spans, comparisons): keep it where that stays in the calendar.
        var day = DateOnly.FromDateTime(value.UtcDateTime);
        return day < SpecLimits.MinDate || day > SpecLimits.MaxDate
            ? throw new UserErrorException($"{field} '{SpecLimits.Quote(text)}' is outside the supported dates ({SpecLimits.MinDate:yyyy-MM-dd} to {SpecLimits.MaxDate:yyyy-MM-dd})")
            : value;
    }
}
