using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Core.Catalog;

/// <summary>A metric definition that the catalog checks rejected; the API returns the problems as its <c>errors</c> list.</summary>
public sealed class CatalogValidationException(string message, IReadOnlyList<CatalogProblem> problems)
    : UserErrorException(message, problems.Select(p => p.ToString()).ToList())
{
    public IReadOnlyList<CatalogProblem> Problems { get; } = problems;
}

/// <summary>A name that is taken (a metric created twice).</summary>
public sealed class ConflictException(string message) : UserErrorException(message);
