using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Tests.Catalog;

/// <summary>The repository's catalog/ folder, loaded once, and copies of it to break.</summary>
public static class ShippedCatalog
{
    /// <summary>The names METRICS.md makes a contract (its table lists 37).</summary>
    public static readonly IReadOnlyList<string> ContractNames =
    [
        "velocity", "completed_issues", "issues_created", "issues_closed", "throughput_ratio",
        "lead_time_p50", "lead_time_p90", "lead_time_avg", "cycle_time_p50", "cycle_time_p90", "cycle_time_avg",
        "planned_sp", "completed_sp", "added_sp", "removed_sp", "say_do_ratio", "completion_rate", "spillover_ratio",
        "carryover_ratio", "scope_creep_ratio", "scope_churn_ratio", "accuracy_abs", "unplanned_work_share",
        "bug_count", "bug_share", "escaped_defects", "reopened_count", "reopen_rate", "comments_per_issue",
        "blocked_hours", "blocked_issue_ratio", "wip", "stuck_count", "wip_no_assignee", "flow_efficiency", "unestimated_ratio",
        "sprint_problematic_score",
    ];

    public static string Folder { get; } = Path.Combine(FindRoot(), "catalog");

    private static readonly Lazy<CatalogLoadResult> Loaded = new(() => CatalogLoader.Load(Folder));

    public static CatalogLoadResult Result => Loaded.Value;

    public static MetricCatalog Catalog => Result.Catalog;

    /// <summary>A temp copy of the shipped catalog with <paramref name="edit"/> applied to <c>{metric}.yaml</c>; returns the folder and that file.</summary>
    public static (string Folder, string File) CopyWith(string metric, Func<string, string> edit)
    {
        var target = Directory.CreateTempSubdirectory("spiral-catalog-").FullName;
        foreach (var path in Directory.GetFiles(Folder, "*.yaml"))
        {
            File.Copy(path, Path.Combine(target, Path.GetFileName(path)));
        }

        var file = Path.Combine(target, metric + ".yaml");
        var text = File.ReadAllText(file);
        var edited = edit(text);
        Assert.NotEqual(text, edited);
        File.WriteAllText(file, edited);
        return (target, file);
    }

    /// <summary>1-based number of the first line of <paramref name="file"/> that contains <paramref name="fragment"/>.</summary>
    public static int LineOf(string file, string fragment)
    {
        var lines = File.ReadAllLines(file);
        var index = Array.FindIndex(lines, l => l.Contains(fragment, StringComparison.Ordinal));
        Assert.True(index >= 0, $"'{fragment}' not in {file}");
        return index + 1;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SpiralAnalytics.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("SpiralAnalytics.sln not found above " + AppContext.BaseDirectory);
    }
}
