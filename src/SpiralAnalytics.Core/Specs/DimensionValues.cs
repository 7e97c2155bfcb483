namespace SpiralAnalytics.Core.Specs;

/// <summary>One member of a dimension: its canonical (display) spelling and other names it may be given by (a team's key).</summary>
public sealed record DimensionMember(string Value, IReadOnlyList<string> Aliases);

/// <summary>
/// The tenant's dimension members (teams, sprints, assignees, issue types, priorities, epics) that filter values are
/// checked against, case-insensitively, and resolved to their canonical spelling. A dimension that is not loaded is not checked.
/// </summary>
public sealed class DimensionValues(IReadOnlyDictionary<string, IReadOnlyList<DimensionMember>> members)
{
    /// <summary>Checks nothing (pure tests, or a caller that checks elsewhere).</summary>
    public static DimensionValues Unchecked { get; } = new(new Dictionary<string, IReadOnlyList<DimensionMember>>());

    public bool Knows(string dimension) => members.ContainsKey(dimension);

    public IReadOnlyList<DimensionMember> Members(string dimension) => members.GetValueOrDefault(dimension) ?? [];

    /// <summary>The canonical spelling of a value (matched on value or alias, ignoring case), or null when it is not a member.</summary>
    public string? Resolve(string dimension, string value)
    {
        if (!members.TryGetValue(dimension, out var list))
        {
            return value;
        }

        return list.FirstOrDefault(m => string.Equals(m.Value, value, StringComparison.Ordinal))?.Value
               ?? list.FirstOrDefault(m => string.Equals(m.Value, value, StringComparison.OrdinalIgnoreCase)
                                           || m.Aliases.Any(a => string.Equals(a, value, StringComparison.OrdinalIgnoreCase)))?.Value;
    }

    /// <summary>The spec with every filter value in its canonical spelling (values that do not resolve are kept as given).</summary>
    public AnalyticsSpec Canonicalize(AnalyticsSpec spec) => spec with
    {
        Filters = spec.Filters
            .Select(f => f with { Values = f.Values.Select(v => Resolve(f.Dimension, v) ?? v).Distinct(StringComparer.Ordinal).ToList() })
            .ToList(),
    };
}
