namespace SpiralAnalytics.Core.Specs;

/// <summary>Positional parameters; a keyed value (as_of, a filter's values, a weight) is passed once and reused.</summary>
public sealed class SqlParameters
{
    private readonly Dictionary<string, int> _keyed = new(StringComparer.Ordinal);

    public List<object> Values { get; } = [];

    public string Add(object value, string? key = null)
    {
        if (key is not null && _keyed.TryGetValue(key, out var existing))
        {
            return $"${existing}";
        }

        Values.Add(value);
        if (key is not null)
        {
            _keyed[key] = Values.Count;
        }

        return $"${Values.Count}";
    }
}
