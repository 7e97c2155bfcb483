using System.Text.Json.Nodes;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Tests.Answers;

internal static class AnswerTestData
{
    public static readonly DateTimeOffset AsOf = new(2015, 11, 20, 12, 0, 0, TimeSpan.Zero);

    public static AnalyticsSpec Spec(string json) =>
        SpecJson.Parse(json) is { IsValid: true } parsed ? parsed.Spec! : throw new ArgumentException($"not a spec: {json}");

    public static QueryColumn Dim(string name) => new(name, QueryColumn.Dimension);

    public static QueryColumn Metric(string name, string unit) => new(name, QueryColumn.Metric, unit, "1.0.0");

    /// <summary>A row from pairs: strings are dimension values, numbers metric values, null a missing value.</summary>
    public static JsonObject Row(params (string Column, object? Value)[] cells)
    {
        var row = new JsonObject();
        foreach (var (column, value) in cells)
        {
            row[column] = value switch
            {
                null => null,
                string s => JsonValue.Create(s),
                int i => JsonValue.Create((double)i),
                double d => JsonValue.Create(d),
                _ => throw new ArgumentException(column),
            };
        }

        return row;
    }
}
