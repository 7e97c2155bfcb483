using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Tests.Catalog;

/// <summary>
/// One broken catalog per kind of error, each a copy of the shipped catalog with one file edited in a temp folder;
/// every problem is asserted exactly, file and line included.
/// </summary>
public sealed class InvalidCatalogTests
{
    private static IReadOnlyList<string> Problems(string folder) => CatalogLoader.Load(folder).Problems.Select(p => p.ToString()).ToList();

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_yaml_is_reported_with_file_and_line()
    {
        var (folder, file) = ShippedCatalog.CopyWith("spillover_ratio", t => Replace(t, "unit: ratio\n", "unit: ratio\nthis line is not a field\n"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "this line is not a field")}: invalid YAML: While parsing a block mapping, did not find expected key"],
            Problems(folder));
    }

    [Fact]
    public void A_missing_field_is_reported_at_the_start_of_the_mapping()
    {
        var (folder, file) = ShippedCatalog.CopyWith("spillover_ratio", t => Replace(t, "unit: ratio\n", ""));

        Assert.Equal([$"{file}:1: unit: missing required field"], Problems(folder));
    }

    [Fact]
    public void An_unknown_field_is_reported_with_a_suggestion()
    {
        var (folder, file) = ShippedCatalog.CopyWith("spillover_ratio", t => Replace(t, "time_column:", "time_colum:"));

        Assert.Equal(
        [
            $"{file}:1: time_column: missing required field",
            $"{file}:{ShippedCatalog.LineOf(file, "time_colum:")}: time_colum: unknown field 'time_colum'; did you mean 'time_column'? (fields: name, display_name, category, description, type, measure, statistic, p, numerator, denominator, components, aggregate, where, numerator_of, denominator_of, sql, output, rollup, unit, direction, grain, time_column, dimensions, synonyms, depends_on, share_of, narrows, version, status, replaced_by, deprecation_reason)",
        ], Problems(folder));
    }

    [Fact]
    public void An_unknown_type_is_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("spillover_ratio", t => Replace(t, "type: ratio", "type: ratoi"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "type: ratoi")}: type: unknown type 'ratoi'; did you mean 'ratio'? (allowed: simple, ratio, derived, percentile, composite)"],
            Problems(folder));
    }

    [Fact]
    public void An_unknown_unit_is_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("blocked_hours", t => Replace(t, "unit: hours", "unit: minutes"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "unit: minutes")}: unit: unknown unit 'minutes' (allowed: points, issues, ratio, days, hours, comments, sigma)"],
            Problems(folder));
    }

    [Fact]
    public void An_unknown_dimension_is_reported_at_its_list_item()
    {
        var (folder, file) = ShippedCatalog.CopyWith("spillover_ratio", t => Replace(t, "dimensions: [team, sprint,", "dimensions: [team, sprnt,"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "sprnt")}: dimensions[1]: unknown dimension 'sprnt'; did you mean 'sprint'? (allowed: team, sprint, assignee, issue_type, priority, epic, week, month, quarter)"],
            Problems(folder));
    }

    [Fact]
    public void A_dimension_the_measures_view_lacks_is_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("wip", t => Replace(t, "dimensions: [team,", "dimensions: [team, assignee,"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "dimensions:")}: dimensions[1]: dimension 'assignee' is not available on view team_daily_wip (read by measure); it offers: team, week, month, quarter"],
            Problems(folder));
    }

    [Fact]
    public void An_unknown_measure_is_reported_with_a_suggestion()
    {
        var (folder, file) = ShippedCatalog.CopyWith("spillover_ratio", t => Replace(t, "numerator: [spilled_points]", "numerator: [spilled_pts]"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "spilled_pts")}: numerator[0]: unknown measure 'spilled_pts'; did you mean 'spilled_points'? (measures are defined in AnalyticsModel.Measures)"],
            Problems(folder));
    }

    [Fact]
    public void A_formula_field_of_another_type_is_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("bug_count", t => Replace(t, "measure: bugs_created\n", "measure: bugs_created\ndenominator: issues_created\n"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "denominator:")}: denominator: 'denominator' does not apply to a simple metric (a simple metric has: measure, statistic)"],
            Problems(folder));
    }

    [Fact]
    public void A_share_of_must_be_a_ratio_built_on_an_amount_it_depends_on()
    {
        var (notBuiltOn, file1) = ShippedCatalog.CopyWith("spillover_ratio", t => Replace(t, "share_of: planned_sp", "share_of: completed_sp"));
        var (ofRatio, file2) = ShippedCatalog.CopyWith("spillover_ratio", t => Replace(Replace(t, "share_of: planned_sp", "share_of: say_do_ratio"),
            "depends_on: [planned_sp]", "depends_on: [planned_sp, say_do_ratio]"));
        var (notRatio, file3) = ShippedCatalog.CopyWith("velocity", t => Replace(t, "depends_on: [completed_sp]", "depends_on: [completed_sp]\nshare_of: completed_sp"));
        var (unknown, file4) = ShippedCatalog.CopyWith("bug_share", t => Replace(t, "where: { issue_type: [Bug] }", "where: { issue_typ: [Bug] }"));

        Assert.Equal(
            [$"{file1}:{ShippedCatalog.LineOf(file1, "share_of:")}: share_of.metric: a share is built on the metric it is a share of: list 'completed_sp' in depends_on"],
            Problems(notBuiltOn));
        Assert.Equal(
            [$"{file2}:{ShippedCatalog.LineOf(file2, "share_of:")}: share_of.metric: 'say_do_ratio' is a ratio itself; a share is of an amount (points, issues, hours)"],
            Problems(ofRatio));
        Assert.Equal(
            [$"{file3}:{ShippedCatalog.LineOf(file3, "share_of:")}: share_of: only a ratio is a share of another metric; this one's unit is points"],
            Problems(notRatio));
        Assert.Equal(
            [$"{file4}:{ShippedCatalog.LineOf(file4, "share_of:")}: share_of.where.issue_typ: unknown dimension 'issue_typ'; did you mean 'issue_type'? (dimensions: team, sprint, assignee, issue_type, priority, epic, week, month, quarter)"],
            Problems(unknown));
    }

    [Fact]
    public void A_narrowed_metric_counts_what_the_other_counts_and_names_rows_it_has()
    {
        var (otherUnit, file1) = ShippedCatalog.CopyWith("bug_count", t => Replace(t, "metric: issues_created,", "metric: completed_sp,"));
        var (noRows, file2) = ShippedCatalog.CopyWith("bug_count", t => Replace(t, "narrows: { metric: issues_created, where: { issue_type: [Bug] } }", "narrows: issues_created"));
        var (missingDimension, file3) = ShippedCatalog.CopyWith("bug_count", t => Replace(t, "where: { issue_type: [Bug] }", "where: { sprint: [S1] }"));
        var (typo, file4) = ShippedCatalog.CopyWith("bug_count", t => Replace(t, "metric: issues_created,", "metric: issue_created,"));

        Assert.Equal(
            [$"{file1}:{ShippedCatalog.LineOf(file1, "narrows:")}: narrows.metric: 'completed_sp' counts points by sprint_close_at, this metric issues by created_at: a narrowed metric counts the same thing"],
            Problems(otherUnit));
        Assert.Equal(
            [$"{file2}:{ShippedCatalog.LineOf(file2, "narrows:")}: narrows.where: name the rows it keeps, e.g. where: {{ issue_type: [Bug] }}"],
            Problems(noRows));
        Assert.Equal(
            [$"{file3}:{ShippedCatalog.LineOf(file3, "narrows:")}: narrows.where.sprint: 'issues_created' has no dimension 'sprint' to narrow by (its dimensions: team, assignee, issue_type, priority, epic, week, month, quarter)"],
            Problems(missingDimension));
        Assert.Equal(
            [$"{file4}:{ShippedCatalog.LineOf(file4, "narrows:")}: narrows.metric: 'issue_created' is not in the catalog; did you mean 'issues_created'?"],
            Problems(typo));
    }

    [Fact]
    public void A_dependency_on_a_missing_metric_is_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("completion_rate", t => Replace(t, "depends_on: [completed_sp]", "depends_on: [completed_sps]"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "depends_on:")}: depends_on[0]: depends on 'completed_sps', which is not in the catalog; did you mean 'completed_sp'?"],
            Problems(folder));
    }

    [Fact]
    public void A_dependency_cycle_is_reported_once_with_its_path()
    {
        var (folder, _) = ShippedCatalog.CopyWith("planned_sp", t => Replace(t, "depends_on: []", "depends_on: [spillover_ratio]"));
        var closing = Path.Combine(folder, "spillover_ratio.yaml");

        Assert.Equal(
            [$"{closing}:{ShippedCatalog.LineOf(closing, "depends_on:")}: depends_on[0]: dependency cycle: planned_sp -> spillover_ratio -> planned_sp"],
            Problems(folder));
    }

    [Fact]
    public void Composite_weights_that_do_not_sum_to_one_are_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("sprint_problematic_score", t => Replace(t, "metric: spillover_ratio, weight: 0.25", "metric: spillover_ratio, weight: 0.3"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "components:")}: components: weights sum to 1.05; they must sum to 1.0 (0.3 + 0.2 + 0.2 + 0.15 + 0.1 + 0.1)"],
            Problems(folder));
    }

    [Fact]
    public void A_composite_component_without_z_scores_is_reported()
    {
        // stuck_count is a snapshot at as_of: it has no value per sprint, so no z-score (derived from its definition, not a list).
        var (folder, file) = ShippedCatalog.CopyWith("sprint_problematic_score", t =>
            Replace(Replace(t, "metric: cycle_time_p50,", "metric: stuck_count,"), ", cycle_time_p50]", ", stuck_count]"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "metric: stuck_count")}: components[5].metric: 'stuck_count' has no per-sprint z-score (simple, snapshot); a component is a metric with a value per sprint, not a composite or a snapshot"],
            Problems(folder));
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("v1.0.0")]
    [InlineData("1.0.0-beta")]
    [InlineData("01.0.0")]
    public void An_invalid_semantic_version_is_reported(string version)
    {
        var (folder, file) = ShippedCatalog.CopyWith("velocity", t => Replace(t, "version: 1.0.0", $"version: {version}"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "version: ")}: version: '{version}' is not a semantic version: MAJOR.MINOR.PATCH, e.g. 1.0.0"],
            Problems(folder));
    }

    [Fact]
    public void A_synonym_claimed_by_two_metrics_is_reported_at_the_second_claim()
    {
        var (folder, file) = ShippedCatalog.CopyWith("spillover_ratio", t => Replace(t, "  - rollover\n", "  - Scope  Volatility\n"));
        var first = Path.Combine(folder, "scope_churn_ratio.yaml");

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "Scope  Volatility")}: synonyms[1]: synonym 'Scope  Volatility' is also claimed by 'scope_churn_ratio' (synonym at {first}:{ShippedCatalog.LineOf(first, "- scope volatility")}); a synonym must lead to one metric"],
            Problems(folder));
    }

    [Fact]
    public void A_synonym_that_is_another_metrics_name_is_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("completed_sp", t => Replace(t, "  - done points\n", "  - velocity\n"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "- velocity")}: synonyms[1]: synonym 'velocity' is also claimed by 'velocity' (name); a synonym must lead to one metric"],
            Problems(folder));
    }

    [Fact]
    public void Fewer_than_three_synonyms_are_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("flow_efficiency", t => Replace(Replace(t, "  - touch time ratio\n", ""), "  - process efficiency\n", ""));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "synonyms:")}: synonyms: has 1 synonym(s); every metric needs 3 or more"],
            Problems(folder));
    }

    [Fact]
    public void A_file_named_after_another_metric_is_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("velocity", t => Replace(t, "name: velocity", "name: velocity_avg"));

        Assert.Contains($"{file}:1: name: metric 'velocity_avg' must be in a file named velocity_avg.yaml", Problems(folder));
    }

    [Fact]
    public void A_deprecated_metric_needs_an_active_replacement()
    {
        var (folder, file) = ShippedCatalog.CopyWith("lead_time_avg", t => Replace(t, "status: active\nreplaced_by: null", "status: deprecated\nreplaced_by: null"));
        var (folder2, file2) = ShippedCatalog.CopyWith("lead_time_avg", t => Replace(t, "status: active\nreplaced_by: null", "status: deprecated\nreplaced_by: lead_time_p95"));

        Assert.Equal([$"{file}:{ShippedCatalog.LineOf(file, "replaced_by:")}: replaced_by: a deprecated metric names its replacement (replaced_by: NAME)"], Problems(folder));
        Assert.Equal([$"{file2}:{ShippedCatalog.LineOf(file2, "replaced_by:")}: replaced_by: replaced by 'lead_time_p95', which is not in the catalog"], Problems(folder2));
    }

    [Fact]
    public void A_component_direction_that_contradicts_the_metric_is_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("sprint_problematic_score", t => Replace(t, "metric: say_do_ratio, weight: 0.2, direction: -1", "metric: say_do_ratio, weight: 0.2, direction: +1"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "metric: say_do_ratio")}: components[1].direction: direction +1 says a higher 'say_do_ratio' is worse, but that metric is higher_is_better"],
            Problems(folder));
    }

    [Fact]
    public void A_list_where_a_value_belongs_is_reported()
    {
        var (folder, file) = ShippedCatalog.CopyWith("spillover_ratio", t => Replace(t, "denominator: committed_points", "denominator: [committed_points]"));

        Assert.Equal(
            [$"{file}:{ShippedCatalog.LineOf(file, "denominator:")}: denominator: expected a single value, found a list"],
            Problems(folder));
    }

    [Fact]
    public void A_folder_without_yaml_files_is_a_problem()
    {
        var empty = Directory.CreateTempSubdirectory("spiral-catalog-empty-").FullName;

        Assert.Equal([$"{empty}: no *.yaml files: a catalog is a folder of NAME.yaml files, one per metric"], Problems(empty));
        Assert.Equal(["/no/such/folder: no such folder"], Problems("/no/such/folder"));
    }

    [Fact]
    public void Every_problem_of_a_catalog_is_reported_not_just_the_first()
    {
        var (folder, file) = ShippedCatalog.CopyWith("completion_rate", t => Replace(Replace(t, "type: ratio", "type: ratoi"), "unit: ratio", "unit: percent"));

        Assert.Equal(2, Problems(folder).Count(p => p.StartsWith(file, StringComparison.Ordinal)));
    }
}
