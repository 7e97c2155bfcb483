using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Tests.Catalog;

namespace SpiralAnalytics.Core.Tests.Specs;

internal static class SpecTestData
{
    /// <summary>A Saturday, mid-month, mid-quarter: every calendar form has something to resolve.</summary>
    public static readonly DateTimeOffset AsOf = new(2024, 6, 15, 12, 0, 0, TimeSpan.Zero);

    public static MetricCatalog Catalog => ShippedCatalog.Catalog;

    public static AnalyticsSpec Parse(string json)
    {
        var parsed = SpecJson.Parse(json);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        return parsed.Spec!;
    }

    public static BuiltQuery Build(string json, DateTimeOffset? asOf = null)
    {
        var spec = Parse(json);
        var errors = new SpecValidator(Catalog).Errors(spec);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return QueryBuilder.Build(spec, Catalog, TimeResolver.Resolve(spec.Time, asOf ?? AsOf));
    }
}
