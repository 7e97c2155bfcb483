namespace SpiralAnalytics.Core.Catalog;

/// <summary>One thing wrong with a catalog, located in its file: <c>catalog/spillover_ratio.yaml:14: dimensions[2]: …</c>.</summary>
/// <param name="File">The file as the user named it (folder given + file name).</param>
/// <param name="Line">1-based line (the mapping's first line for a missing field), or null for a folder-level problem.</param>
/// <param name="Field">The field path (<c>dimensions[2]</c>, <c>components[0].weight</c>), or null for the file as a whole.</param>
public sealed record CatalogProblem(string File, int? Line, string? Field, string Message)
{
    public override string ToString() =>
        (Line is null ? File : $"{File}:{Line}") + ": " + (Field is null ? Message : $"{Field}: {Message}");
}
