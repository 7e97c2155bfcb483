namespace SpiralAnalytics.Core.Bundles;

/// <summary>Collects the errors and warnings found while reading a bundle. Keeps the first <see cref="MaxErrors"/> errors.</summary>
public sealed class BundleProblems
{
    public const int MaxErrors = 200;

    private readonly List<BundleError> _errors = [];
    private readonly List<string> _warnings = [];

    public IReadOnlyList<BundleError> Errors => _errors;

    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>How many errors there were in all, including those past <see cref="MaxErrors"/>.</summary>
    public int ErrorCount { get; private set; }

    public bool HasErrors => ErrorCount > 0;

    public void Error(string file, int? line, string? column, string message)
    {
        ErrorCount++;
        if (_errors.Count < MaxErrors)
        {
            _errors.Add(new BundleError(file, line, column, message));
        }
    }

    public void Warn(string message) => _warnings.Add(message);
}

/// <summary>The keys a tenant already holds; bundle rows may refer to them as well as to their own.</summary>
public sealed record ExistingKeys(IReadOnlySet<string> Teams, IReadOnlySet<string> Sprints, IReadOnlySet<string> Issues)
{
    public static readonly ExistingKeys None = new(new HashSet<string>(), new HashSet<string>(), new HashSet<string>());
}

/// <summary>The outcome of reading a bundle: the rows when there was no error, and every problem found.</summary>
public sealed record BundleReadResult(CsvBundle? Bundle, BundleProblems Problems)
{
    public bool Succeeded => Bundle is not null && !Problems.HasErrors;
}
