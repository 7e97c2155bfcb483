using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Tests.Catalog;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Core.Translation.Offline;

namespace SpiralAnalytics.Core.Tests.Translation;

/// <summary>
/// The checks that keep a reading from silently dropping or misplacing a part of the question: exclusion lists attached to
/// their dimension, exclusions that excluded nothing, a dimension's word before its value, lists of people, and clarification
/// options that translate to what they say.
/// </summary>
public sealed class ConsistencyRulesTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly DimensionValues Values = new(new Dictionary<string, IReadOnlyList<DimensionMember>>
    {
        ["team"] = [new("Atlas", ["ATL"]), new("Phoenix", ["PHX"]), new("Nova", ["NOV"])],
        ["issue_type"] = [new("Bug", []), new("Story", []), new("Task", []), new("Epic", [])],
        ["priority"] = [new("Highest", []), new("High", []), new("Medium", []), new("Low", []), new("Lowest", [])],
        ["assignee"] = [new("Maya Cohen", []), new("Jonas Berg", []), new("Kavya Nair", []), new("Hiro Tanaka", [])],
        ["epic"] = [new("PHX-181", []), new("ATL-7", [])],
        ["sprint"] = [],
    });

    private static TranslationOutcome Ask(string question) =>
        OfflineTranslator.Translate(new TranslationRequest(question, AsOf, null), new TranslationContext(ShippedCatalog.Catalog, [], Values, AsOf));

    private static AnalyticsSpec Spec(string question)
    {
        var outcome = Ask(question);
        Assert.True(outcome.Spec is not null, outcome.Clarification?.Reason);
        Assert.Empty(new SpecValidator(ShippedCatalog.Catalog, Values).Errors(outcome.Spec));
        return outcome.Spec;
    }

    [Theory]
    [InlineData("issues done per prio for nova in the last 3 sprints, skip the low and lowest ones")]
    [InlineData("issues done by priority last 3 sprints except low and lowest")]
    [InlineData("cycle time per priority for nova, excluding the lowest ones")]
    public void An_exclusion_list_of_values_spelled_like_ranking_words_is_a_not_in_filter_not_a_ranking(string question)
    {
        var spec = Spec(question);
        var filter = Assert.Single(spec.Filters, f => f.Dimension == "priority");
        Assert.Equal("not_in", filter.Op);
        Assert.Contains("Lowest", filter.Values);
        Assert.Empty(spec.Sort);
        Assert.Null(spec.Limit);
    }

    [Fact]
    public void A_ranking_word_without_an_exclusion_is_still_a_ranking()
    {
        var spec = Spec("which team had the lowest velocity last sprint");
        Assert.Empty(spec.Filters);
        Assert.Equal("velocity", Assert.Single(spec.Sort).By);
    }

    [Fact]
    public void An_exclusion_that_excludes_nothing_known_asks_back_instead_of_answering_everything()
    {
        var outcome = Ask("velocity by team last 3 sprints, except the flaky ones");
        Assert.Null(outcome.Spec);
        Assert.NotNull(outcome.Clarification);
        Assert.Contains("'except'", outcome.Clarification.Reason, StringComparison.Ordinal);
        Assert.Contains(outcome.Evidence, e => e.Words == "except" && e.Strength == 0);
        // the reading itself is the first option, and it answers
        Assert.Equal(Spec("velocity by team last 3 sprints"), Ask(outcome.Clarification.Options[0].Question).Spec);
    }

    [Fact]
    public void An_exclusion_of_a_known_value_is_no_dangling_exclusion()
    {
        var outcome = Ask("velocity by team last 3 sprints, skip Nova");
        Assert.NotNull(outcome.Spec);
        Assert.Equal(["Nova"], Assert.Single(outcome.Spec.Filters, f => f.Op == "not_in" || f.Op == "neq").Values);
        Assert.DoesNotContain(outcome.Evidence, e => e.Rule == "exclusion without a value");
    }

    [Fact]
    public void A_dimension_word_before_its_value_is_not_read_as_a_value_of_another_dimension()
    {
        var spec = Spec("completed story points on epic PHX-181 since jan");
        var filter = Assert.Single(spec.Filters);
        Assert.Equal(("epic", "PHX-181"), (filter.Dimension, Assert.Single(filter.Values)));
    }

    [Fact]
    public void An_issue_type_named_epic_is_still_read_without_an_epic_value_after_it() =>
        Assert.Contains(Spec("cycle time for epics this quarter").Filters, f => f.Dimension == "issue_type" && f.Values.Contains("Epic"));

    [Fact]
    public void Three_people_named_without_a_grouping_are_rows()
    {
        var outcome = Ask("cycle time p90 for Maya, Jonas and Kavya this quarter");
        Assert.Equal(["assignee"], outcome.Spec!.GroupBy);
        Assert.Equal(3, Assert.Single(outcome.Spec.Filters).Values.Count);
        Assert.Contains(outcome.Notes, n => n.Contains("3 people", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("comments per ticket for Hiro Tanaka and Jonas Berg in the last 3 months")]
    [InlineData("spillover for Atlas, Phoenix and Nova in the last 2 sprints")]
    [InlineData("cycle time for Maya, Jonas and Kavya by month")]
    public void Two_people_teams_or_a_list_with_its_own_grouping_are_not_broken_down_by_person(string question) =>
        Assert.DoesNotContain("assignee", Spec(question).GroupBy);

    [Fact]
    public void A_metric_whose_words_belong_to_another_metric_named_beside_it_is_part_of_that_metric()
    {
        var spec = Spec("any wip with nobody on it? break it down by team");
        Assert.Equal(["wip_no_assignee"], spec.Metrics);
        Assert.Equal(["team"], spec.GroupBy);
    }

    [Fact]
    public void Two_metrics_joined_by_a_list_word_stay_two() =>
        Assert.Equal(["wip", "wip_no_assignee"], Spec("wip and unassigned wip by team").Metrics);

    [Theory]
    [InlineData("how much of what each team finished this sprint is bug fixing?")]
    [InlineData("what share of the completed issues were bugs, by team, this sprint")]
    public void A_share_question_narrowed_to_a_value_is_the_ratio_that_value_names(string question)
    {
        var outcome = Ask(question);
        Assert.Equal(["bug_share"], outcome.Spec!.Metrics);
        Assert.Empty(outcome.Spec.Filters);
    }

    [Fact]
    public void A_share_of_an_amount_narrowed_by_a_value_says_which_ratio_it_became() =>
        Assert.Contains(Ask("what share of the completed issues were bugs, by team, this sprint").Notes,
            n => n.Contains("share of completed_issues", StringComparison.Ordinal));

    [Fact]
    public void A_count_narrowed_to_a_value_without_share_words_stays_a_filtered_count() =>
        Assert.Contains(Spec("how many bugs did each team finish this sprint").Filters, f => f.Values.Contains("Bug"));

    [Fact]
    public void A_share_word_left_over_beside_an_amount_asks_back_with_the_shares_of_that_amount_first()
    {
        var outcome = Ask("completed issues percentage per team last sprint");
        Assert.Null(outcome.Spec);
        Assert.Contains("'percentage'", outcome.Clarification!.Reason, StringComparison.Ordinal);
        var options = outcome.Clarification.Options.Select(o => Ask(o.Question).Spec).ToList();
        Assert.All(options, Assert.NotNull);
        Assert.Equal(["completed_issues"], options[0]!.Metrics);
        Assert.Contains(options, o => o!.Metrics.SequenceEqual(["bug_share"]) && o.GroupBy.SequenceEqual(["team"]));
    }

    [Fact]
    public void A_ratio_metric_with_its_share_word_is_answered() =>
        Assert.Equal(["bug_share"], Spec("bug share percentage per team last sprint").Metrics);

    [Fact]
    public void Confidence_falls_below_the_threshold_for_a_single_word_reading_with_one_unexplained_catalog_word() =>
        Assert.True(OfflineTranslator.UnusedFactor * OfflineTranslator.Confidence(byWords: true, 0, 0, false) < TranslationConfidence.Threshold
                    && OfflineTranslator.UnusedFactor * OfflineTranslator.Confidence(byWords: false, 0, 0, false) >= TranslationConfidence.Threshold);

    [Fact]
    public void A_catalog_word_the_reading_leaves_out_is_named_and_the_metrics_it_belongs_to_are_offered()
    {
        var spec = Spec("velocity by team last 3 sprints");
        var q = QuestionTokens.Parse("velocity by team last 3 sprints maintenance");
        var matcher = new MetricMatcher(ShippedCatalog.Catalog, []);
        var unused = OfflineTranslator.Unused(q, spec, ShippedCatalog.Catalog, matcher, new FilterResolver(Values));
        Assert.Equal(["maintenance"], unused);
    }

    [Fact]
    public void A_single_word_reading_that_leaves_a_catalog_word_out_asks_back_offering_the_metric_of_that_word()
    {
        var outcome = Ask("pts resolved on epic PHX-181 since jan");
        Assert.Null(outcome.Spec);
        Assert.Contains("'resolved'", outcome.Clarification!.Reason, StringComparison.Ordinal);
        var options = outcome.Clarification.Options.Select(o => Ask(o.Question).Spec).ToList();
        Assert.Equal("velocity", options[0]!.Metrics[0]);
        // the likely reading: a metric whose wording has the left-out word's concept (resolve: closed)
        var closed = Assert.Single(options, o => o!.Metrics[0] == "issues_closed");
        Assert.Equal("PHX-181", Assert.Single(closed!.Filters).Values[0]);
    }

    [Theory]
    [InlineData("pts finished on epic PHX-181 since jan", "completed_sp")]
    [InlineData("total pts delivered on epic PHX-181, whole history", "completed_sp")]
    [InlineData("how many pts did atlas sign up for this sprint", "planned_sp")]
    [InlineData("how many pts got shoved into nova's sprints after they started, last 3 sprints", "added_sp")]
    [InlineData("avg pts per sprint for the nova folks over the last 4 sprints", "velocity")]
    [InlineData("how many bugs did customers hit in prod this quarter", "escaped_defects")]
    [InlineData("90th pct cycle time for highest prio stuff since jan", "cycle_time_p90")]
    [InlineData("which team has the worst bounce-back rate this quarter", "reopen_rate")]
    [InlineData("how much did scope grow mid-sprint per team over the last 2 sprints", "scope_creep_ratio")]
    public void Casual_wording_reads_through_the_vocabulary_after_the_abbreviations_are_spelled_out(string question, string metric)
    {
        var spec = Spec(question);
        Assert.Equal([metric], spec.Metrics);
        Assert.DoesNotContain("sprint", spec.GroupBy);
    }

    [Theory]
    [InlineData("which devs had a reopen rate of 15% or more since jan", "gte", 0.15)]
    [InlineData("which teams had a spillover ratio of 10% or less last sprint", "lte", 0.1)]
    public void A_number_followed_by_or_more_or_or_fewer_is_a_threshold(string question, string op, double value)
    {
        var having = Assert.Single(Spec(question).Having);
        Assert.Equal(op, having.Op);
        Assert.Equal(value, having.Value, 3);
    }

    [Fact]
    public void A_number_before_a_superlative_and_its_rows_is_the_limit_and_the_grouping()
    {
        var spec = Spec("5 slowest ppl by median cycle time this qtr");
        Assert.Equal(["assignee"], spec.GroupBy);
        Assert.Equal(5, spec.Limit);
    }

    [Theory]
    [InlineData("what % of phx sprint tix got blocked at least once since dec", "blocked_issue_ratio")]
    [InlineData("what share of tix went into atlas sprints with no pts on them, last 4 sprints", "unestimated_ratio")]
    public void A_sprint_word_that_only_places_the_work_is_no_grouping_and_at_least_ranks_nothing(string question, string metric)
    {
        var spec = Spec(question);
        Assert.Equal([metric], spec.Metrics);
        Assert.Empty(spec.GroupBy);
        Assert.Null(spec.Limit);
        Assert.Empty(spec.Sort);
    }

    [Fact]
    public void An_intent_phrase_inside_a_named_metrics_wording_names_the_metric() =>
        Assert.Null(Spec("red flag score for each team's last sprint").Analysis);

    [Fact]
    public void A_share_of_an_amount_named_with_the_ratio_built_on_it_is_the_ratio_alone() =>
        Assert.Equal(["carryover_ratio"], Spec("how much of nova's commitment was leftovers from the sprint before").Metrics);

    [Theory]
    [InlineData("typical time from a ticket being opened to done for atlas", "lead_time_p50")]
    [InlineData("how long from starting work to done for atlas, median", "cycle_time_p50")]
    public void Time_from_one_state_to_another_is_the_lead_or_cycle_time(string question, string metric) =>
        Assert.Equal([metric], Spec(question).Metrics);

    [Fact]
    public void Two_verbs_sharing_a_noun_before_them_name_two_metrics() =>
        Assert.Equal(["issues_created", "issues_closed"], Spec("tix opened vs closed last week, per team").Metrics);

    [Fact]
    public void The_past_month_is_a_rolling_window_and_last_month_the_calendar_one()
    {
        Assert.IsType<RollingTime>(Spec("tix closed per team past month").Time);
        Assert.IsType<PeriodTime>(Spec("tix closed per team last month").Time);
    }

    [Fact]
    public void How_is_someone_doing_with_a_name_that_is_no_value_asks_which_team()
    {
        var outcome = Ask("how's mike doing");
        Assert.Null(outcome.Spec);
        Assert.Contains("'mike'", outcome.Clarification!.Reason, StringComparison.Ordinal);
        Assert.All(outcome.Clarification.Options, o => Assert.Equal("diagnose", Ask(o.Question).Spec!.Analysis));
        Assert.Equal("diagnose", Spec("how is atlas doing").Analysis);
    }

    [Fact]
    public void A_follow_up_word_of_several_metrics_is_the_one_of_the_previous_metrics_family()
    {
        var previous = SpecJson.Parse("""{"metrics":["cycle_time_p50"],"filters":[{"dimension":"team","op":"eq","values":["Nova"]}]}""").Spec;
        var outcome = OfflineTranslator.Translate(new TranslationRequest("also the p90", AsOf, previous), new TranslationContext(ShippedCatalog.Catalog, [], Values, AsOf));
        Assert.Equal(["cycle_time_p50", "cycle_time_p90"], outcome.Spec!.Metrics);
        Assert.NotNull(Ask("also the p90").Clarification);
    }

    [Fact]
    public void A_word_of_several_metrics_is_settled_by_the_concept_of_another_word() =>
        Assert.Equal(["completed_sp"], Spec("how many pts did jonas finish in the last 3 sprints").Metrics);

    [Fact]
    public void An_amount_asked_of_a_share_asks_back_offering_the_amounts_it_is_built_on()
    {
        var outcome = Ask("how many points did nova carry over into this sprint");
        Assert.Null(outcome.Spec);
        Assert.Contains("asks for an amount", outcome.Clarification!.Reason, StringComparison.Ordinal);
        Assert.Contains(outcome.Clarification.Options, o => Ask(o.Question).Spec?.Metrics is ["planned_sp"]);
    }

    [Fact]
    public void The_first_half_of_a_year_is_its_first_six_months() =>
        Assert.Equal(new BetweenTime("2025-01-01", "2025-06-30"), Spec("bugs created by phoenix in the first half of 2025").Time);

    [Theory]
    [InlineData("what's sarah's velocity", "sarah")]
    [InlineData("tickets closed by priya this month", "priya")]
    [InlineData("cycle time for tom vs jonas", "tom")]
    [InlineData("velocity for the zeus team", "zeus")]
    [InlineData("how much of orion's commitment was leftovers from the sprint before", "orion")]
    public void An_unknown_word_where_a_name_stands_asks_back_rather_than_answering_for_everyone(string question, string name)
    {
        var outcome = Ask(question);
        Assert.Null(outcome.Spec);
        Assert.Contains($"'{name}'", outcome.Clarification!.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cycle time in jan vs feb for atlas", "'vs'")]
    [InlineData("teams whose cycle time went up this quarter", "'went up'")]
    [InlineData("tickets over 5 points closed last month", "'points'")]
    [InlineData("how many bugs were created in sprint 42", "'42'")]
    public void A_part_of_the_question_the_spec_does_not_do_asks_back(string question, string part)
    {
        var outcome = Ask(question);
        Assert.Null(outcome.Spec);
        Assert.Contains(part, outcome.Clarification!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_change_over_time_the_reading_missed_offers_the_comparison_with_the_period_before()
    {
        var options = Ask("teams whose cycle time went up this quarter").Clarification!.Options;
        Assert.Contains(options, o => Ask(o.Question).Spec is { Compare: not null, Metrics: ["cycle_time_p50"], GroupBy: ["team"] });
    }

    [Theory]
    [InlineData("velocity for each team this quarter vs last quarter")]
    [InlineData("velocity vs spillover for atlas last 3 sprints")]
    [InlineData("atlas vs phoenix velocity last 3 sprints")]
    [InlineData("has velocity gone up sprint by sprint for atlas")]
    public void A_comparison_or_change_the_spec_does_make_is_answered(string question) => Spec(question);

    [Theory]
    [InlineData("how does that compare to nova?", new[] { "Atlas", "Nova" })]
    [InlineData("for phx and nova too", new[] { "Atlas", "Phoenix", "Nova" })]
    public void A_follow_up_that_adds_values_keeps_the_previous_ones_side_by_side(string question, string[] teams)
    {
        var previous = SpecJson.Parse("""{"metrics":["velocity"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}],"time":{"type":"last_sprints","n":3}}""").Spec;
        var spec = OfflineTranslator.Translate(new TranslationRequest(question, AsOf, previous), new TranslationContext(ShippedCatalog.Catalog, [], Values, AsOf)).Spec!;
        Assert.Equal(teams, Assert.Single(spec.Filters).Values);
        Assert.Equal(["team"], spec.GroupBy);
    }

    [Fact]
    public void A_follow_up_naming_another_value_alone_replaces_the_previous_one()
    {
        var previous = SpecJson.Parse("""{"metrics":["velocity"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}]}""").Spec;
        var spec = OfflineTranslator.Translate(new TranslationRequest("what about phoenix", AsOf, previous), new TranslationContext(ShippedCatalog.Catalog, [], Values, AsOf)).Spec!;
        Assert.Equal(["Phoenix"], Assert.Single(spec.Filters).Values);
    }

    [Fact]
    public void How_often_asks_for_a_rate_and_an_amount_alone_asks_back() =>
        Assert.Contains("'how often'", Ask("how often does phoenix hit its sprint commitment").Clarification!.Reason, StringComparison.Ordinal);

    [Fact]
    public void Anyone_asks_for_people_as_rows() =>
        Assert.Equal(["assignee"], Spec("did anyone close more than 10 tickets last sprint").GroupBy);

    [Fact]
    public void How_many_with_a_verb_of_going_is_a_measure_not_a_diagnosis()
    {
        var outcome = Ask("how many hotfixes went out last month");
        Assert.Null(outcome.Spec);
        Assert.DoesNotContain("diagnosis", outcome.Clarification!.Reason, StringComparison.Ordinal);
        Assert.Equal("diagnose", Spec("how did nova's last sprint go").Analysis);
    }

    [Fact]
    public void A_month_after_a_time_word_is_the_month_even_where_it_spells_a_teams_key() =>
        Assert.Equal(["Atlas"], Assert.Single(Spec("atlas wip each month since nov").Filters).Values);

    [Theory]
    [InlineData("how many stories did nova complete in the last 5 sprints", "completed_issues")]
    [InlineData("how many tickets did atlas get done last sprint", "completed_issues")]
    [InlineData("how many points did atlas complete last sprint", "completed_sp")]
    public void A_counting_question_reads_a_word_of_several_metrics_as_the_one_counting_issues_unless_it_names_another_unit(string question, string metric) =>
        Assert.Equal([metric], Spec(question).Metrics);

    [Fact]
    public void A_value_counted_against_another_is_a_filter_on_both_not_a_metric_word()
    {
        var spec = Spec("how many stories vs bugs did nova get done in the last 5 sprints");
        Assert.Equal(["completed_issues"], spec.Metrics);
        Assert.Equal(["Story", "Bug"], Assert.Single(spec.Filters, f => f.Dimension == "issue_type").Values);
        Assert.Equal(["issue_type"], spec.GroupBy);
    }
}
