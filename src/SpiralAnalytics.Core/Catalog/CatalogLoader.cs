using FluentValidation;

namespace SpiralAnalytics.Core.Catalog;

/// <summary>Every metric of a catalog folder that could be read, and every problem found, ordered by file and line.</summary>
public sealed record CatalogLoadResult(IReadOnlyList<LoadedMetric> Metrics, IReadOnlyList<CatalogProblem> Problems)
{
    public bool IsValid => Problems.Count == 0;

    public MetricCatalog Catalog => new(Metrics.Select(m => m.Definition));
}

/// <summary>Loads a catalog folder (one <c>NAME.yaml</c> per metric) and runs every check: YAML, fields, values, the catalog as a whole.</summary>
public static class CatalogLoader
{
    private static readonly MetricDefinitionValidator Validator = new();
    private static readonly MetricDefinitionValidator TenantValidator = new(CatalogLayers.Tenant);

    public static CatalogLoadResult Load(string folder)
    {
        if (File.Exists(folder))
        {
            return Failed(folder, "is a file; a catalog is a folder of NAME.yaml files, one per metric");
        }

        if (!Directory.Exists(folder))
        {
            return Failed(folder, "no such folder");
        }

        var files = Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            return Failed(folder, "no *.yaml files: a catalog is a folder of NAME.yaml files, one per metric");
        }

        return Load(files.Select(f => (Path.Combine(folder, Path.GetFileName(f)), File.ReadAllText(f))));
    }

    /// <summary>Checks files given as (name, text) pairs: the file name is what problems show.</summary>
    public static CatalogLoadResult Load(IEnumerable<(string File, string Text)> files) => Load(files, CatalogLayers.Shipped, null);

    /// <summary>
    /// Checks a tenant's metric files (tenant rules) together with the shipped catalog they sit on: a tenant metric of a
    /// shipped name replaces it for that tenant; synonyms, dependencies and replacements are checked across both layers.
    /// Only problems of the tenant files are reported; the result holds only the tenant metrics, marked as tenant layer.
    /// </summary>
    public static CatalogLoadResult LoadTenant(IEnumerable<(string File, string Text)> files, MetricCatalog shipped) =>
        Load(files, CatalogLayers.Tenant, shipped);

    private static CatalogLoadResult Load(IEnumerable<(string File, string Text)> files, string layer, MetricCatalog? shipped)
    {
        var validator = layer == CatalogLayers.Tenant ? TenantValidator : Validator;
        var metrics = new List<LoadedMetric>();
        var problems = new List<CatalogProblem>();
        var unreadable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (file, text) in files)
        {
            var (metric, readProblems) = CatalogYamlReader.Read(file, text);
            problems.AddRange(readProblems);
            if (metric is null)
            {
                unreadable.Add(Path.GetFileNameWithoutExtension(file));
                continue;
            }

            var stem = Path.GetFileNameWithoutExtension(file);
            if (stem != metric.Definition.Name)
            {
                problems.Add(new CatalogProblem(file, metric.Lines.LineOf("name"), "name",
                    $"metric '{metric.Definition.Name}' must be in a file named {metric.Definition.Name}.yaml"));
            }

            var result = validator.Validate(metric.Definition);
            problems.AddRange(result.Errors.Select(e => new CatalogProblem(file, metric.Lines.LineOf(e.PropertyName), e.PropertyName, e.ErrorMessage)));
            metrics.Add(layer == CatalogLayers.Tenant ? metric with { Definition = metric.Definition with { Layer = CatalogLayers.Tenant } } : metric);
        }

        if (shipped is null)
        {
            problems.AddRange(CatalogConsistency.Check(metrics, unreadable));
        }
        else
        {
            var own = metrics.Select(m => m.Definition.Name).Concat(unreadable).ToHashSet(StringComparer.Ordinal);
            var beneath = shipped.All.Where(m => !own.Contains(m.Name))
                .Select(m => new LoadedMetric(m, $"catalog/{m.Name}.yaml", SourceLines.None)).ToList();
            var tenantFiles = metrics.Select(m => m.File).ToHashSet(StringComparer.Ordinal);
            problems.AddRange(CatalogConsistency.Check([.. beneath, .. metrics], unreadable).Where(p => tenantFiles.Contains(p.File)));
        }

        return new CatalogLoadResult(metrics,
            problems.OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line ?? 0).ToList());
    }

    /// <summary>Validates one definition that did not come from a file (e.g. read back from the database).</summary>
    public static IReadOnlyList<string> Validate(MetricDefinition definition) =>
        Validator.Validate(definition).Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}").ToList();

    private static CatalogLoadResult Failed(string folder, string message) => new([], [new CatalogProblem(folder, null, null, message)]);
}
