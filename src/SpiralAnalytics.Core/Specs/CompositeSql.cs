using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Specs;

/// <summary>
/// The one SQL definition of a composite score (ANALYTICS-SPEC.md: "composite scores use the catalog weights over the component
/// z-scores"), used by the query builder's composite column and the diagnosis' per-component contributions: a component's part is
/// weight × clip(direction × z, ±<see cref="Clip"/>), the score the sum of the parts over the weights of the components that have
/// a z. Weights and directions come from the composite's catalog definition (the version the answer uses), as parameters.
/// </summary>
public static class CompositeSql
{
    /// <summary>A component's oriented z-score is clipped to ± this, so one extreme component cannot carry the score alone.</summary>
    public const int Clip = 3;

    /// <summary>The parameters of one component's weight and direction (keyed: one value per composite × component).</summary>
    public static (string Weight, string Direction) Parameters(MetricDefinition composite, CompositeComponent component, SqlParameters p) =>
        (p.Add(component.Weight, $"weight:{composite.Name}:{component.Metric}"), p.Add(component.Direction, $"direction:{composite.Name}:{component.Metric}"));

    /// <summary>weight × clip(direction × z, ±3): null when z is null.</summary>
    public static string Part(string weight, string direction, string z) => $"{weight} * greatest(-{Clip}, least({Clip}, {direction} * {z}))";

    /// <summary>The component's weight when it has a z, else 0 (the denominator's term).</summary>
    public static string WeightIfPresent(string weight, string z) => $"CASE WHEN {z} IS NULL THEN 0 ELSE {weight} END";
}
