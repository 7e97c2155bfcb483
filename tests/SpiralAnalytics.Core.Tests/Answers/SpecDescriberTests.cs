using SpiralAnalytics.Core.Answers;
using SpiralAnalytics.Core.Tests.Catalog;
using static SpiralAnalytics.Core.Tests.Answers.AnswerTestData;

namespace SpiralAnalytics.Core.Tests.Answers;

/// <summary>The spec in plain words, from the shipped catalog's display names, as of Friday 2015-11-20.</summary>
public sealed class SpecDescriberTests
{
    private static string Describe(string json) => SpecDescriber.Describe(Spec(json), ShippedCatalog.Catalog, AsOf);

    [Fact]
    public void Grouping_filter_and_a_between_of_whole_months_read_like_the_issue_example()
    {
        Assert.Equal("completed story points per assignee, team Aurora, Oct–Dec 2015",
            Describe("""{"metrics":["completed_sp"],"group_by":["assignee"],"filters":[{"dimension":"team","op":"eq","values":["Aurora"]}],"time":{"type":"between","from":"2015-10-01","to":"2015-12-31"}}"""));
    }

    [Theory]
    [InlineData("""{"metrics":["velocity"]}""", "velocity, each team's last 6 closed sprints (the default window)")]
    [InlineData("""{"metrics":["velocity"],"time":{"type":"last_sprints","n":1}}""", "velocity, each team's last closed sprint")]
    [InlineData("""{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""", "spillover ratio per team, each team's last 3 closed sprints")]
    [InlineData("""{"metrics":["wip"],"time":{"type":"current_sprint"}}""", "work in progress, each team's current sprint")]
    [InlineData("""{"metrics":["bug_count"],"time":{"type":"period","unit":"quarter"}}""", "bugs created, this quarter (Oct–Dec 2015)")]
    [InlineData("""{"metrics":["bug_count"],"time":{"type":"period","unit":"quarter","offset":-1}}""", "bugs created, last quarter (Jul–Sep 2015)")]
    [InlineData("""{"metrics":["bug_count"],"time":{"type":"period","unit":"month","offset":-1}}""", "bugs created, last month (October 2015)")]
    [InlineData("""{"metrics":["bug_count"],"time":{"type":"period","unit":"year","offset":-1}}""", "bugs created, last year (2014)")]
    [InlineData("""{"metrics":["bug_count"],"time":{"type":"period","unit":"week"}}""", "bugs created, this week (16–22 Nov 2015)")]
    [InlineData("""{"metrics":["bug_count"],"time":{"type":"period","unit":"month","offset":-3}}""", "bugs created, 3 months ago (August 2015)")]
    [InlineData("""{"metrics":["issues_closed"],"time":{"type":"rolling","unit":"day","n":30}}""", "issues closed, the past 30 days (to 20 Nov 2015)")]
    [InlineData("""{"metrics":["issues_closed"],"time":{"type":"between","from":"2015-07-01","to":"2015-12-31"}}""", "issues closed, Jul–Dec 2015")]
    [InlineData("""{"metrics":["issues_closed"],"time":{"type":"between","from":"2015-03-05","to":"2015-03-05"}}""", "issues closed, 5 Mar 2015")]
    [InlineData("""{"metrics":["issues_closed"],"time":{"type":"between","from":"2015-03-05","to":"2015-04-10"}}""", "issues closed, 5 Mar–10 Apr 2015")]
    [InlineData("""{"metrics":["issues_closed"],"time":{"type":"between","from":"2014-12-15","to":"2015-01-10"}}""", "issues closed, 15 Dec 2014–10 Jan 2015")]
    [InlineData("""{"metrics":["issues_closed"],"time":{"type":"all"}}""", "issues closed, all time")]
    public void Each_time_form_reads_as_the_window_it_covers(string json, string expected) => Assert.Equal(expected, Describe(json));

    [Fact]
    public void Several_metrics_and_groupings_are_listed_with_and()
    {
        Assert.Equal("velocity, spillover ratio and say/do ratio per team and sprint, each team's last 3 closed sprints",
            Describe("""{"metrics":["velocity","spillover_ratio","say_do_ratio"],"group_by":["team","sprint"],"time":{"type":"last_sprints","n":3}}"""));
    }

    [Fact]
    public void Exclusions_several_values_and_issue_types_read_as_words()
    {
        Assert.Equal("issues closed per issue type, excluding team Atlas or Phoenix, priority High or Highest, all time",
            Describe("""{"metrics":["issues_closed"],"group_by":["issue_type"],"filters":[{"dimension":"team","op":"not_in","values":["Atlas","Phoenix"]},{"dimension":"priority","op":"in","values":["High","Highest"]}],"time":{"type":"all"}}"""));
    }

    [Fact]
    public void A_top_n_names_the_metric_the_ranking_is_by()
    {
        Assert.Equal("reopened issues per team, this quarter (Oct–Dec 2015), top 3 by reopened issues",
            Describe("""{"metrics":["reopened_count"],"group_by":["team"],"time":{"type":"period","unit":"quarter"},"sort":[{"by":"reopened_count","dir":"desc"}],"limit":3}"""));
        Assert.Equal("velocity per team, each team's last 3 closed sprints, bottom 2 by velocity",
            Describe("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"sort":[{"by":"velocity","dir":"asc"}],"limit":2}"""));
        Assert.Equal("velocity per team, each team's last 3 closed sprints, lowest velocity first",
            Describe("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"sort":[{"by":"velocity","dir":"asc"}]}"""));
    }

    [Fact]
    public void A_threshold_is_read_in_the_metrics_unit_and_a_compare_is_said()
    {
        Assert.Equal("spillover ratio per team, each team's last 3 closed sprints, compared with the period before, only where spillover ratio is above 30%",
            Describe("""{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"compare":{"type":"previous_period"},"having":[{"metric":"spillover_ratio","op":"gt","value":0.3}]}"""));
        Assert.Equal("blocked time per team, all time, only where blocked time is at least 40 hours",
            Describe("""{"metrics":["blocked_hours"],"group_by":["team"],"time":{"type":"all"},"having":[{"metric":"blocked_hours","op":"gte","value":40}]}"""));
    }

    [Fact]
    public void Analysis_forms_say_what_kind_of_answer_they_are()
    {
        Assert.Equal("what drove sprint problem score (a diagnosis), team Phoenix, each team's last closed sprint",
            Describe("""{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":[{"dimension":"team","op":"eq","values":["Phoenix"]}],"time":{"type":"last_sprints","n":1}}"""));
        Assert.Equal("sprints whose sprint problem score stands out (anomalies), each team's last 6 closed sprints",
            Describe("""{"analysis":"anomalies","metrics":["sprint_problematic_score"],"time":{"type":"last_sprints","n":6}}"""));
        Assert.Null(ResultSummarizer.Summarize(Spec("""{"analysis":"anomalies","metrics":["sprint_problematic_score"]}"""), [], [], ShippedCatalog.Catalog));
    }

    [Fact]
    public void A_pinned_version_is_named()
    {
        Assert.Equal("velocity (version 1.0.0), all time", Describe("""{"metrics":["velocity@1.0.0"],"time":{"type":"all"}}"""));
    }

    [Fact]
    public void Every_shipped_metric_reads_by_its_display_name_never_its_internal_name()
    {
        foreach (var metric in ShippedCatalog.Catalog.Active)
        {
            var text = SpecDescriber.Describe(Spec($$$"""{"metrics":["{{{metric.Name}}}"],"time":{"type":"all"}}"""), ShippedCatalog.Catalog, AsOf);
            Assert.StartsWith(PlainNumbers.Name(metric, metric.Name), text, StringComparison.Ordinal);
            Assert.Equal(metric.DisplayName, PlainNumbers.Capitalized(PlainNumbers.Name(metric, metric.Name)));
            if (metric.Name.Contains('_', StringComparison.Ordinal))
            {
                Assert.DoesNotContain(metric.Name, text, StringComparison.Ordinal);
            }
        }
    }
}
