using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Tests.Specs;

/// <summary>Every time form against a fixed as_of (Saturday 2024-06-15 12:00 UTC).</summary>
public sealed class TimeResolverTests
{
    private static DateTimeOffset D(int y, int m, int d, int h = 0) => new(y, m, d, h, 0, 0, TimeSpan.Zero);

    private static ResolvedTime Resolve(TimeSpec? time) => TimeResolver.Resolve(time, SpecTestData.AsOf);

    [Fact]
    public void No_time_is_the_last_six_closed_sprints_with_a_warning()
    {
        var r = Resolve(null);
        Assert.Equal(new SprintRankWindow(0, 6, SpecTestData.AsOf), r.Current);
        Assert.Equal(new SprintRankWindow(6, 6, SpecTestData.AsOf), r.Previous);
        Assert.Equal("default time window applied: last 6 closed sprints per team", r.Warning);
    }

    [Fact]
    public void Last_sprints_ranks_closed_sprints_and_the_previous_period_is_the_n_before()
    {
        var r = Resolve(new LastSprintsTime(3));
        Assert.Equal(new SprintRankWindow(0, 3, SpecTestData.AsOf), r.Current);
        Assert.Equal(new SprintRankWindow(3, 3, SpecTestData.AsOf), r.Previous);
        Assert.Null(r.Warning);
    }

    [Fact]
    public void Current_sprint_is_the_sprint_active_at_as_of_and_its_previous_the_last_closed()
    {
        var r = Resolve(new CurrentSprintTime());
        Assert.Equal(new ActiveSprintWindow(SpecTestData.AsOf), r.Current);
        Assert.Equal(new SprintRankWindow(0, 1, SpecTestData.AsOf), r.Previous);
    }

    [Theory]
    [InlineData("week", 0, "2024-06-10", "2024-06-17", "2024-06-03")]
    [InlineData("week", -1, "2024-06-03", "2024-06-10", "2024-05-27")]
    [InlineData("month", 0, "2024-06-01", "2024-07-01", "2024-05-01")]
    [InlineData("month", -1, "2024-05-01", "2024-06-01", "2024-04-01")]
    [InlineData("quarter", 0, "2024-04-01", "2024-07-01", "2024-01-01")]
    [InlineData("quarter", -2, "2023-10-01", "2024-01-01", "2023-07-01")]
    [InlineData("year", -1, "2023-01-01", "2024-01-01", "2022-01-01")]
    public void Period_is_the_calendar_unit_containing_as_of_shifted_weeks_start_monday(string unit, int offset, string from, string to, string previousFrom)
    {
        var r = Resolve(new PeriodTime(unit, offset));
        Assert.Equal(new CalendarWindow(Day(from), Day(to)), r.Current);
        Assert.Equal(new CalendarWindow(Day(previousFrom), Day(from)), r.Previous);
    }

    [Fact]
    public void A_week_containing_a_sunday_starts_the_monday_before()
    {
        var r = TimeResolver.Resolve(new PeriodTime("week", 0), D(2024, 6, 16, 23));
        Assert.Equal(new CalendarWindow(D(2024, 6, 10), D(2024, 6, 17)), r.Current);
    }

    [Theory]
    [InlineData("day", 30, 2024, 5, 16)]
    [InlineData("week", 2, 2024, 6, 1)]
    [InlineData("month", 3, 2024, 3, 15)]
    public void Rolling_is_n_units_ending_at_as_of(string unit, int n, int y, int m, int d)
    {
        var r = Resolve(new RollingTime(unit, n));
        var from = D(y, m, d, 12);
        Assert.Equal(new CalendarWindow(from, SpecTestData.AsOf), r.Current);
        Assert.Equal(from, ((CalendarWindow)r.Previous!).To);
    }

    [Fact]
    public void Between_dates_are_inclusive_and_the_previous_period_is_as_long()
    {
        var r = Resolve(new BetweenTime("2024-01-01", "2024-01-31"));
        Assert.Equal(new CalendarWindow(D(2024, 1, 1), D(2024, 2, 1)), r.Current);
        Assert.Equal(new CalendarWindow(D(2023, 12, 1), D(2024, 1, 1)), r.Previous);
    }

    [Fact]
    public void All_has_no_window_and_no_previous_period()
    {
        var r = Resolve(new AllTime());
        Assert.IsType<AllTimeWindow>(r.Current);
        Assert.Null(r.Previous);
    }

    private static DateTimeOffset Day(string date) => new(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
