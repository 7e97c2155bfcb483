using System.ComponentModel.DataAnnotations;

namespace SpiralAnalytics.Infrastructure.Queries;

/// <summary>Query execution limits (section <c>Query</c>).</summary>
public sealed class QueryOptions
{
    public const string Section = "Query";

    /// <summary><c>SET LOCAL statement_timeout</c> of every built query.</summary>
    [Range(1, 3600)]
    public int StatementTimeoutSeconds { get; set; } = 30;

    /// <summary>Rows returned at most; a larger result is cut and the answer says so.</summary>
    [Range(1, 1_000_000)]
    public int MaxRows { get; set; } = 10_000;
}
