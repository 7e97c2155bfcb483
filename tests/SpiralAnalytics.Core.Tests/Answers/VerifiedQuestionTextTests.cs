using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Tests.Catalog;
using SpiralAnalytics.Core.Translation;

namespace SpiralAnalytics.Core.Tests.Answers;

public sealed class VerifiedQuestionTextTests
{
    [Theory]
    [InlineData("Which team had the most reopened bugs this quarter?", "which team had the most reopened bugs this quarter")]
    [InlineData("  spillover   by team, last 3 sprints!! ", "spillover by team last 3 sprints")]
    [InlineData("Velocity—Atlas/Phoenix", "velocity atlas phoenix")]
    [InlineData("?!", "")]
    public void Normalizing_keeps_letters_and_digits_lower_cased_one_space_apart(string question, string expected) =>
        Assert.Equal(expected, VerifiedQuestionText.Normalize(question));

    [Theory]
    [InlineData("velocity by team last 3 sprints", "what was the velocity per team over the last 3 sprints", true)]
    [InlineData("which team reopened the most bugs this quarter", "which team had the most reopened bugs this quarter", true)]
    [InlineData("velocity by team last 3 sprints", "velocity by team last 6 sprints", false)]
    [InlineData("velocity by team last sprint", "velocity by team last 3 sprints", false)]
    [InlineData("bugs created this quarter", "bugs created last quarter", false)]
    [InlineData("bugs created this month", "bugs created this quarter", false)]
    [InlineData("top 5 teams by velocity", "bottom 5 teams by velocity", false)]
    [InlineData("spillover for Atlas", "spillover except Atlas", false)]
    public void A_similar_question_must_name_the_same_numbers_and_scope_words(string question, string verified, bool same) =>
        Assert.Equal(same, VerifiedQuestionText.SameScope(question, verified));

    [Fact]
    public void Drift_is_a_deprecation_a_new_major_version_or_a_metric_gone_never_a_minor_bump()
    {
        var catalog = ShippedCatalog.Catalog;
        var velocity = catalog.Get("velocity");
        var spillover = catalog.Get("spillover_ratio");
        var current = new Dictionary<string, string> { ["velocity"] = velocity.Version, ["spillover_ratio"] = spillover.Version };
        Assert.Empty(VerifiedDrift.VersionProblems(current, catalog));

        var major = SemanticVersion.Parse(velocity.Version);
        var bumped = new MetricCatalog(catalog.All.Select(m => m.Name switch
        {
            "velocity" => m with { Version = $"{major.Major + 1}.0.0" },
            "spillover_ratio" => m with { Version = $"{major.Major}.{major.Minor + 1}.0" },
            _ => m,
        }));
        var problems = VerifiedDrift.VersionProblems(current, bumped);
        Assert.Equal([$"metric 'velocity' changed from version {velocity.Version} to {major.Major + 1}.0.0 (a new major version)"], problems);

        var deprecated = new MetricCatalog(catalog.All.Select(m => m.Name == "spillover_ratio"
            ? m with { Status = MetricStatuses.Deprecated, ReplacedBy = "say_do_ratio" }
            : m));
        Assert.Equal(["metric 'spillover_ratio' is deprecated (replaced by 'say_do_ratio')"], VerifiedDrift.VersionProblems(current, deprecated));

        Assert.Equal(["metric 'gone' is no longer in the catalog"],
            VerifiedDrift.VersionProblems(new Dictionary<string, string> { ["gone"] = "1.0.0" }, catalog));
    }
}
