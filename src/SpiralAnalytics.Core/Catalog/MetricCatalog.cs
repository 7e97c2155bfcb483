using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Core.Catalog;

/// <summary>
/// The catalog as the translator, the spec validator and the query builder read it: one definition per metric (the
/// current version), looked up by name. Deprecated metrics are kept (they stay queryable) but are not <see cref="Active"/>.
/// </summary>
public sealed class MetricCatalog
{
    private readonly Dictionary<string, MetricDefinition> _byName;

    public MetricCatalog(IEnumerable<MetricDefinition> metrics)
    {
        _byName = new Dictionary<string, MetricDefinition>(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            _byName[metric.Name] = metric;
        }

        All = _byName.Values.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
        Active = All.Where(m => m.IsActive).ToList();
    }

    public static MetricCatalog Empty { get; } = new([]);

    /// <summary>Every metric, ordered by name.</summary>
    public IReadOnlyList<MetricDefinition> All { get; }

    /// <summary>The metrics that may be offered (the translator never offers a deprecated one).</summary>
    public IReadOnlyList<MetricDefinition> Active { get; }

    public int Count => All.Count;

    public IEnumerable<string> Names => All.Select(m => m.Name);

    /// <summary>The metric of that exact name, or null.</summary>
    public MetricDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The metric of that name; an unknown name is a user error that suggests the nearest one.</summary>
    public MetricDefinition Get(string name) =>
        Find(name) ?? throw new NotFoundException($"metric '{name}' is not in the catalog{CatalogText.DidYouMean(name, _byName.Keys)}");

    public IReadOnlyList<MetricDefinition> InCategory(string category) => All.Where(m => m.Category == category).ToList();

    /// <summary>The metric whose name, display name or synonym is this phrase (compared by <see cref="CatalogText.Normalize"/>).</summary>
    public MetricDefinition? FindByPhrase(string phrase)
    {
        var key = CatalogText.Normalize(phrase);
        return All.FirstOrDefault(m =>
            CatalogText.NameAsWords(m.Name) == key || CatalogText.Normalize(m.DisplayName) == key
            || m.Synonyms.Any(s => CatalogText.Normalize(s) == key));
    }

    /// <summary>The metric and everything it depends on, dependencies first.</summary>
    public IReadOnlyList<MetricDefinition> WithDependencies(string name)
    {
        var ordered = new List<MetricDefinition>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        void Visit(MetricDefinition metric)
        {
            if (!seen.Add(metric.Name))
            {
                return;
            }

            foreach (var dependency in metric.DependsOn)
            {
                if (Find(dependency) is { } found)
                {
                    Visit(found);
                }
            }

            ordered.Add(metric);
        }

        Visit(Get(name));
        return ordered;
    }
}
