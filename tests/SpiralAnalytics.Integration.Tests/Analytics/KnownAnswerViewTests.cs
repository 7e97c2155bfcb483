using System.Globalization;
using System.Text.Json;
using Npgsql;
using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Integration.Tests.Fixtures;
using static SpiralAnalytics.Integration.Tests.Analytics.KnownAnswerFixture;

namespace SpiralAnalytics.Integration.Tests.Analytics;

/// <summary>
/// Known answers: every measure behind the 36 metrics, worked out by hand from METRICS.md, CSV-BUNDLE.md and the
/// research file (section 0, the formulas, section 7) for the bundle in <see cref="KnownAnswerFixture"/> (its remarks
/// describe what each sprint holds). The literals below are the independent computation; each carries its derivation.
/// Hours and days are calendar time; "d" in comments is 24 h.
/// </summary>
public sealed class KnownAnswerViewTests(PostgresServer server)
{
    private const double Tolerance = 1e-9;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Sprints = ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "B1", "B2"];

    // ---------------------------------------------------------------------------------------------------------------
    // sprint_issue_facts, summed per sprint. Committed = present at start (added_at empty or not after start_at);
    // p0 = points_at_start, else issues.story_points, else 0; p1 = points_at_end, else story_points, else 0.
    // ---------------------------------------------------------------------------------------------------------------
    private static readonly Dictionary<string, double[]> FactTotals = new()
    {
        // Σ p0 of committed issues (removed ones stay committed; completed_elsewhere, sub-tasks and epics do not count).
        // A1: A-1 3 + A-2 5 = 8 (A-3 added 01-07). A2: A-3 2 + A-4 8 + A-5 0 (unestimated) + A-6 3 = 13.
        // A3: A-6 3 (points_at_start) + A-8 3 + A-9 5 (removed, still committed) + A-10 2 = 13.
        // A4: A-11 3 (first membership present at start) + A-14 7 + A-15 3 = 13; A-12 was done at start (completed_elsewhere).
        // A5: A-15 3 + A-16 5 + A-17 3 + A-18 2 = 13 (the epic A-100 is not scope). A6: A-18 2 + A-20 8 + A-23 3 + A-24 0 = 13
        // (sub-task A-21 excluded). A7: A-25 5 + A-26 3 + A-27 2 + A-28 2 + A-29 1 = 13.
        // A8: A-26 3 + A-30 3 + A-31 5 + A-32 0 + A-34 2 + A-35 3 = 16. B1: 3 + 2 + 1 = 6. B2: everything added after start = 0.
        //                                  A1  A2  A3  A4  A5  A6  A7  A8   B1 B2
        ["committed_points"] =            [8,  13, 13, 13, 13, 13, 13, 16,  6, 0],
        ["committed_count"] =             [2,  4,  4,  3,  4,  4,  5,  6,   3, 0],
        // committed with neither points_at_start nor story_points: A2 A-5, A6 A-24, A8 A-32.
        ["committed_unestimated_count"] = [0,  1,  0,  0,  0,  1,  0,  1,   0, 0],
        // Σ p1 of issues done at close (last membership): A1 A-1 3 + A-2 5. A2 A-3 2 + A-4 8 + A-5 0 + A-7 1 = 11.
        // A3 A-6 5 (end estimate; done 02-14, after end_at but before completed_at 02-16) + A-8 3 = 8.
        // A4 A-11 3 (judged on its re-added membership) + A-13 2 + A-14 7 = 12. A5 A-15 3 + A-16 5 + A-17 3 = 11.
        // A6 A-18 2 + A-20 8 (in progress at close, but the given outcome 'completed' wins) + A-22 1 + A-23 3 = 14.
        // A7 A-25 5 + A-27 1 (end estimate) + A-28 2 = 8. A8 (to date) A-32 0 + A-33 3 + A-35 3 = 6.
        // B1 B-1 3 + B-2 2 = 5. B2 B-4 3 + B-5 2 (To Do → Done directly) = 5.
        ["completed_points"] =            [8,  11, 8,  12, 11, 14, 8,  6,   5, 5],
        ["completed_count"] =             [2,  4,  2,  3,  3,  4,  3,  3,   2, 2],
        // Σ p0 of committed issues completed: A2 2 + 8 + 0 = 10 (A-7 added). A3 A-6 3 (start estimate) + A-8 3 = 6.
        // A4 A-11 3 + A-14 7 = 10. A5 11. A6 2 + 8 + 3 = 13. A7 5 + A-27 2 (start estimate) + 2 = 9. A8 A-32 0 + A-35 3 = 3.
        ["committed_completed_points"] =  [8,  10, 6,  10, 11, 13, 9,  3,   5, 0],
        // Σ p0 of committed, not completed, not removed: A2 A-6 3. A3 A-10 2 (A-9 removed is churn, not spillover).
        // A4 A-15 3. A5 A-18 2. A6 A-24 unestimated = 0. A7 A-26 3. A8 A-26 3 + A-30 3 + A-31 5 + A-34 2 = 13. B1 B-3 1.
        ["spilled_points"] =              [0,  3,  2,  3,  2,  0,  3,  13,  1, 0],
        // Σ p1 of memberships removed before close: A3 A-9 5. A4 A-11's first membership (removed 02-18) 3 — the removal
        // counts although the issue came back (research #12: "removed then re-added counts once as removed"). A7 A-29 1.
        ["removed_points"] =              [0,  0,  5,  3,  0,  0,  1,  0,   0, 0],
        // Σ p1 of memberships added after start: A1 A-3 2. A2 A-7 1. A4 A-11's re-add 3 + A-13 2 = 5 (a re-add is scope
        // increase, research section 0). A6 A-22 1. A8 A-33 3: it was 2 when added and 3 at close; added scope is valued at
        // p1 as in research #11's formula (METRICS.md's "points added after sprint start" does not say which estimate; the
        // estimate at add time is points_at_start for an added membership, CSV-BUNDLE.md). B2 B-4 3 + B-5 2 = 5.
        ["added_points"] =                [2,  1,  0,  5,  0,  1,  0,  3,   0, 5],
        // |p1 − p0| of committed, not removed issues: A3 A-6 |5 − 3| = 2. A7 A-27 |1 − 2| = 1. (A-33's 2 → 3 in A8 is not
        // committed scope: research #18 counts re-estimation of committed items only.)
        ["reestimated_points"] =          [0,  0,  2,  0,  0,  0,  1,  0,   0, 0],
        // Σ p1 of completed + not completed (not removed, not completed_elsewhere):
        // A1 3+5+2. A2 2+8+0+3+1. A3 5+3+2. A4 3+2+7+3. A5 3+5+3+2. A6 2+8+1+3+0. A7 5+3+1+2. A8 3+3+5+0+3+2+3. B1 3+2+1. B2 3+2.
        ["final_scope_points"] =          [10, 14, 10, 15, 13, 14, 11, 19,  6, 5],
        // completed and not committed, p1: A2 A-7 1. A4 A-13 2. A6 A-22 1. A8 A-33 3 (end estimate). B2 3 + 2.
        ["unplanned_completed_points"] =  [0,  1,  0,  2,  0,  1,  0,  3,   0, 5],
        // committed p0 of issues not_completed in the team's previous sprint: A2 A-3 2 (unfinished in A1, where it was an
        // addition). A3 A-6 3. A5 A-15 3. A6 A-18 2. A8 A-26 3.
        ["carried_over_points"] =         [0,  2,  3,  0,  3,  2,  0,  3,   0, 0],
        // completed bugs: A2 A-7, A4 A-13, A6 A-22, A7 A-28.
        ["completed_bug_count"] =         [0,  1,  0,  1,  0,  1,  1,  0,   0, 0],
        // sprint issues (last membership, removed included, completed_elsewhere excluded).
        ["scope_count"] =                 [3,  5,  4,  4,  4,  5,  5,  7,   3, 2],
        // issues with blocked time inside the window: A2 A-4. A5 A-17. A7 A-26 and A-28. A8 A-26.
        ["blocked_count"] =               [0,  1,  0,  0,  1,  0,  2,  1,   0, 0],
        // merged blocks clipped to start .. close: A2 A-4 01-21 10:00 .. 01-22 16:00 = 30 h.
        // A5 A-17 03-03 09:00 .. 03-04 09:00 and 03-03 21:00 .. 03-05 09:00 overlap: merged 03-03 09:00 .. 03-05 09:00 = 48 h (not 60).
        // A7 A-26 04-08 09:00 .. open (the 04-09 .. 04-10 block lies inside it) clipped at close 04-10 17:00 = 56 h;
        //    A-28 03-27 09:00 .. 03-31 09:00 clipped at start 03-30 09:00 = 24 h; 56 + 24 = 80.
        // A8 A-26 still blocked: start 04-13 09:00 .. end_at 04-24 17:00 = 11 d 8 h = 272 h.
        ["blocked_hours"] =               [0,  30, 0,  0,  48, 0,  80, 272, 0, 0],
    };

    // ---------------------------------------------------------------------------------------------------------------
    // Per sprint: the sprint_stats sums (ViewColumns) and each catalog metric's value; ratios from the totals above, null where
    // the denominator is 0.
    // ---------------------------------------------------------------------------------------------------------------
    private static readonly Dictionary<string, double?[]> StatsExpected = new()
    {
        //                            A1        A2         A3        A4          A5         A6         A7        A8         B1       B2
        ["committed_points"] =      [8,        13,        13,       13,         13,        13,        13,       16,        6,       0],
        // |committed − completed|
        ["planning_error_points"] = [0,        2,         5,        1,          2,         1,         5,        10,        1,       5],
        ["velocity"] =              [8,        11,        8,        12,         11,        14,        8,        6,         5,       5],
        ["completed_issues"] =      [2,        4,         2,        3,          3,         4,         3,        3,         2,       2],
        ["planned_sp"] =            [8,        13,        13,       13,         13,        13,        13,       16,        6,       0],
        ["completed_sp"] =          [8,        11,        8,        12,         11,        14,        8,        6,         5,       5],
        ["added_sp"] =              [2,        1,         0,        5,          0,         1,         0,        3,         0,       5],
        ["removed_sp"] =            [0,        0,         5,        3,          0,         0,         1,        0,         0,       0],
        // committed_completed / committed
        ["say_do_ratio"] =          [8 / 8.0,  10 / 13.0, 6 / 13.0, 10 / 13.0,  11 / 13.0, 13 / 13.0, 9 / 13.0, 3 / 16.0,  5 / 6.0, null],
        // completed / final scope
        ["completion_rate"] =       [8 / 10.0, 11 / 14.0, 8 / 10.0, 12 / 15.0,  11 / 13.0, 14 / 14.0, 8 / 11.0, 6 / 19.0,  5 / 6.0, 5 / 5.0],
        // spilled / committed
        ["spillover_ratio"] =       [0,        3 / 13.0,  2 / 13.0, 3 / 13.0,   2 / 13.0,  0,         3 / 13.0, 13 / 16.0, 1 / 6.0, null],
        // carried over / committed
        ["carryover_ratio"] =       [0,        2 / 13.0,  3 / 13.0, 0,          3 / 13.0,  2 / 13.0,  0,        3 / 16.0,  0,       null],
        // added / committed
        ["scope_creep_ratio"] =     [2 / 8.0,  1 / 13.0,  0,        5 / 13.0,   0,         1 / 13.0,  0,        3 / 16.0,  0,       null],
        // (added + removed + re-estimation) / committed: A3 (0 + 5 + 2) / 13; A4 (5 + 3 + 0) / 13; A7 (0 + 1 + 1) / 13.
        ["scope_churn_ratio"] =     [2 / 8.0,  1 / 13.0,  7 / 13.0, 8 / 13.0,   0,         1 / 13.0,  2 / 13.0, 3 / 16.0,  0,       null],
        // |committed − completed| / committed
        ["accuracy_abs"] =          [0,        2 / 13.0,  5 / 13.0, 1 / 13.0,   2 / 13.0,  1 / 13.0,  5 / 13.0, 10 / 16.0, 1 / 6.0, null],
        // unplanned completed / completed
        ["unplanned_work_share"] =  [0,        1 / 11.0,  0,        2 / 12.0,   0,         1 / 14.0,  0,        3 / 6.0,   0,       5 / 5.0],
        // completed bugs / completed issues
        ["bug_share"] =             [0,        1 / 4.0,   0,        1 / 3.0,    0,         1 / 4.0,   1 / 3.0,  0,         0,       0],
        ["blocked_hours"] =         [0,        30,        0,        0,          48,        0,         80,       272,       0,       0],
        // blocked issues / sprint issues
        ["blocked_issue_ratio"] =   [0,        1 / 5.0,   0,        0,          1 / 4.0,   0,         2 / 5.0,  1 / 7.0,   0,       0],
        // committed unestimated / committed issues
        ["unestimated_ratio"] =     [0,        1 / 4.0,   0,        0,          0,         1 / 4.0,   0,        1 / 6.0,   0,       null],
        // distinct team issues moved done → not done inside (start, close] / distinct team issues that arrived in done there.
        // A1: A-1, A-2 arrive. A2: A-3, A-7, A-4, A-5. A3: A-8, A-6 (02-14). A4: A-13, A-11, A-14 (A-12 arrived 02-16 08:30,
        // between A3's close 08:00 and A4's start 09:00). A5: A-15, A-16 (twice), A-17 arrive and A-16 is reopened: 1/3.
        // A6: A-22, A-18, A-23 (A-20 reached Done at 18:00, after close; the sub-task A-21 has no transitions).
        // A7: A-27, A-25, A-28. A8: A-35, A-32, A-33. B1: B-1, B-2. B2: B-3 (03-17, team B by its last sprint), B-4, B-5.
        ["reopen_rate"] =           [0,        0,         0,        0,          1 / 3.0,   0,         0,        0,         0,       0],
        // median cycle time (days in the in_progress category) of team issues resolved inside (start, close]:
        // A1 A-1 78 h = 3.25, A-2 195 h = 8.125 → 5.6875. A2 A-7 1, A-4 196 h (In Progress + In Review) = 8.1667,
        // A-5 224 h = 9.3333, A-3 340 h = 14.1667 → (8.1667 + 9.3333) / 2 = 8.75. A3 A-8 3, A-6 459 h = 19.125 → 11.0625.
        // A4 A-13 56 h = 2.3333, A-11 100 h = 4.1667, A-14 224 h = 9.3333 → 100/24. A5 A-16 72 + 96 h = 7 (rework included),
        // A-17 7, A-15 219 h = 9.125 → 7. A6 A-22 1, A-23 78 h = 3.25, A-18 219 h = 9.125 → 3.25 (A-21 has no cycle time).
        // A7 A-27 1, A-25 4, A-28 10 → 4. A8 A-35 2, A-32 2, A-33 5 → 2. B1 B-1 4, B-2 9 → 6.5.
        // B2 B-4 4, B-3 7, B-5 To Do → Done directly: no cycle time (null, not 0) → 5.5.
        ["cycle_time_p50"] =        [5.6875,   8.75,      11.0625,  100 / 24.0, 7,         3.25,      4,        2,         6.5,     5.5],
    };

    // ---------------------------------------------------------------------------------------------------------------
    // z-scores (research section 7): baseline = the team's previous 6 closed, non-low_sample sprints, at least 4 values;
    // sd = sample sd (ddof 1), floored at max(0.1·|mean|, abs floor: 1 for points/counts, 0.05 for ratios, 0.1 for the
    // log1p-scaled blocked hours and cycle time); z clipped to ±3.
    // A1 is low_sample (2 committed), so: A8's baseline is A2..A7 (6), A7's is A2..A6 (5), A6's is A2..A5 (exactly 4),
    // and A5 (A2..A4 only) has none. Baseline values per sprint are the StatsExpected literals above.
    // ---------------------------------------------------------------------------------------------------------------
    internal static readonly string[] ZSprints = ["A6", "A7", "A8"];

    private static readonly Dictionary<string, double[]> ZExpected = new()
    {
        //                         A6                     A7                    A8
        // velocity A2..A7 = 11, 8, 12, 11, 14, 8: mean 10.6667, sd 2.33809 → A8 (6 − 10.6667) / 2.33809.
        // A2..A6: mean 11.2, sd 2.16795 → A7 (8 − 11.2) / 2.16795. A2..A5 = 11, 8, 12, 11: mean 10.5, sd 1.73205 → A6 3.5 / 1.73205.
        ["velocity"] =             [2.0207259421636903,   -1.4760499328462158,  -1.9959308197927033],
        // 4, 2, 3, 3, 4, 3: sd 0.7528 < abs floor 1 → A8 (3 − 3.1667) / 1; A7 (3 − 3.2) / 1 (sd 0.8367); A6 (4 − 3) / 1 (sd 0.8165).
        ["completed_issues"] =     [1.0,                  -0.2,                 -0.16666666666666667],
        // all 13: sd 0, floor 0.1 · 13 = 1.3 → A8 (16 − 13) / 1.3; A6, A7 0.
        ["planned_sp"] =           [0,                    0,                    2.3076923076923077],
        ["completed_sp"] =         [2.0207259421636903,   -1.4760499328462158,  -1.9959308197927033],
        // 1, 0, 5, 0, 1, 0: mean 1.1667, sd 1.94079 → A8 (3 − 1.1667) / 1.94079. A2..A6 mean 1.4 sd 2.07364. A2..A5 mean 1.5 sd 2.38048.
        ["added_sp"] =             [-0.21004201260420147, -0.6751399510385769,  0.9446324065374985],
        // 0, 5, 3, 0, 0, 1: mean 1.5 sd 2.07364. A2..A6 mean 1.6 sd 2.30217. A2..A5 mean 2 sd 2.44949.
        ["removed_sp"] =           [-0.8164965809277261,  -0.2606233456578417,  -0.7233642332556183],
        // 10/13, 6/13, 10/13, 11/13, 1, 9/13: mean 0.75641 sd 0.178201 → A8 (3/16 − 0.75641) / 0.178201 = −3.19 → clipped −3.
        ["say_do_ratio"] =         [1.6912035630063649,   -0.3922322702763684,  -3],
        // 11/14, 0.8, 0.8, 11/13, 1, 8/11: A8 (6/19 − 0.826523) / 0.093169 = −5.48 → −3. A2..A5: mean 0.807967, sd 0.026334 <
        // 0.1 · mean → floored to 0.0807967: A6 (1 − 0.807967) / 0.0807967.
        ["completion_rate"] =      [2.376742604556273,    -1.3403781255220169,  -3],
        // 3/13, 2/13, 3/13, 2/13, 0, 3/13: A8 (13/16 − 0.16667) / 0.089927 = 7.18 → 3. A2..A5: mean 0.192308, sd 0.044412 <
        // abs floor 0.05: A6 (0 − 0.192308) / 0.05 = −3.85 → −3.
        ["spillover_ratio"] =      [-3,                   0.8164965809277259,   3],
        // 2/13, 3/13, 0, 3/13, 2/13, 0: mean 0.128205 sd 0.105097.
        ["carryover_ratio"] =      [0,                    -1.6329931618554518,  0.5641922296733706],
        // 1/13, 0, 5/13, 0, 1/13, 0: mean 0.089744 sd 0.149292.
        ["scope_creep_ratio"] =    [-0.21004201260420147, -0.675139951038577,   0.6548020090771295],
        // 1/13, 7/13, 8/13, 0, 1/13, 2/13: mean 0.24359 sd 0.263866.
        ["scope_churn_ratio"] =    [-0.7348469228349535,  -0.37022011974356156, -0.21256907448138712],
        // 2/13, 5/13, 1/13, 2/13, 1/13, 5/13: mean 0.205128 sd 0.143223 → A8 (10/16 − 0.205128) / 0.143223 = 2.93 (not clipped).
        ["accuracy_abs"] =         [-0.8660254037844386,  1.704025734460517,    2.9315952655989275],
        // 1/11, 0, 1/6, 0, 1/14, 0: mean 0.054834 sd 0.067976 → A8 (0.5 − 0.054834) / 0.067976 = 6.55 → 3.
        ["unplanned_work_share"] = [0.08735265206419116,  -0.9425280511342107,  3],
        // 1/4, 0, 1/3, 0, 1/4, 1/3: mean 0.194444 sd 0.155158.
        ["bug_share"] =            [0.6063390625908326,   1.0690449676496976,   -1.2532010295690075],
        // on ln(1 + h): ln 31, 0, 0, ln 49, 0, ln 81: mean 1.953376 sd 2.161280 → A8 (ln 273 − 1.953376) / 2.161280.
        ["blocked_hours"] =        [-0.8626626219562012,  1.455348267333631,    1.6916347607903195],
        // 1/5, 0, 0, 1/4, 0, 2/5: mean 0.141667 sd 0.168572.
        ["blocked_issue_ratio"] =  [-0.8555277382080452,  2.489979919597747,    0.007062104627001784],
        // 1/4, 0, 0, 0, 1/4, 0: mean 1/12 sd 0.129099 → A8 (1/6 − 1/12) / 0.129099.
        ["unestimated_ratio"] =    [1.5,                  -0.7302967433402215,  0.6454972243679027],
        // 0, 0, 0, 1/3, 0, 0: mean 1/18 sd 0.136083.
        ["reopen_rate"] =          [-0.5,                 -0.4472135954999579,  -0.408248290463863],
        // on ln(1 + d): ln 9.75, ln 12.0625, ln 5.1667, ln 8, ln 4.25, ln 5: mean 1.924232 sd 0.418421 → A8 (ln 3 − 1.924232) / 0.418421.
        ["cycle_time_p50"] =       [-1.86922960891676,    -0.868647408329264,   -1.9731795371696255],
    };

    // sprint_problematic_score = Σ w · dir · z over spillover (0.25, +), say/do (0.20, −), churn (0.20, +), blocked hours
    // (0.15, +), reopen rate (0.10, +), cycle time p50 (0.10, +); all six present, so the weights sum to 1.
    // A8: 0.25·3 + 0.2·3 + 0.2·(−0.212569) + 0.15·1.691635 + 0.1·(−0.408248) + 0.1·(−1.973180).
    internal static readonly Dictionary<string, double[]> ContributionsExpected = new()
    {
        //                        A6                    A7                     A8
        ["spillover_ratio"] =   [-0.75,                0.20412414523193148,   0.75],
        ["say_do_ratio"] =      [-0.338240712601273,   0.07844645405527369,   0.6],
        ["scope_churn_ratio"] = [-0.14696938456699069, -0.07404402394871232,  -0.042513814896277424],
        ["blocked_hours"] =     [-0.12939939329343017, 0.21830224010004465,   0.2537452141185479],
        ["reopen_rate"] =       [-0.05,                -0.044721359549995794, -0.040824829046386304],
        ["cycle_time_p50"] =    [-0.186922960891676,   -0.0868647408329264,   -0.19731795371696256],
    };

    internal static readonly double[] ScoreExpected = [-1.6015324513533697, 0.29524271505561533, 1.3230886164589217];

    // ---------------------------------------------------------------------------------------------------------------
    // issue_flow rows of the edge-case issues (team, then the numeric columns; null = SQL NULL).
    // lead = created → final move to done; cycle = hours in the in_progress category / 24 (null without any);
    // in-progress and unblocked hours count for resolved issues only (0 otherwise).
    // ---------------------------------------------------------------------------------------------------------------
    private static readonly string[] FlowColumns =
    [
        "created_count", "bug_count", "escaped_bug_count", "resolved_count", "comment_count", "resolved_comment_count",
        "lead_time_days", "cycle_time_days", "in_progress_hours", "unblocked_in_progress_hours", "reopen_count",
    ];

    private static readonly Dictionary<string, (string Team, double?[] Values)> FlowExpected = new()
    {
        // values in FlowColumns order: created, bug, escaped, resolved, comments, resolved comments, lead (d), cycle (d),
        // in-progress hours, unblocked in-progress hours, reopens.
        // A-4: 01-12 09:00 → Done 01-27 14:00 = 365 h. In Progress 01-19 10:00, In Review 01-23 10:00 (in_progress), Done:
        // 196 h; blocked 30 h inside it → 166.
        ["A-4"] = ("A", [1, 0, 0, 1, 0, 0, 365 / 24.0, 196 / 24.0, 196, 166, 0]),
        // A-6: 01-13 09:00 → 02-14 12:00 = 771 h; in progress 01-26 09:00 → 02-14 12:00 = 459 h.
        ["A-6"] = ("A", [1, 0, 0, 1, 0, 0, 771 / 24.0, 459 / 24.0, 459, 459, 0]),
        // A-12: 02-09 09:00 → 02-16 08:30 = 167.5 h; in progress 02-11 09:00 → 02-16 08:30 = 119.5 h.
        ["A-12"] = ("A", [1, 0, 0, 1, 0, 0, 167.5 / 24, 119.5 / 24, 119.5, 119.5, 0]),
        // A-16 (reopen): 02-25 10:00 → final Done 03-10 10:00 = 13 d. In progress 03-02 10:00 .. 03-05 10:00 (72 h) and
        // 03-06 10:00 .. 03-10 10:00 (96 h) = 168 h = 7 d. Two comments.
        ["A-16"] = ("A", [1, 0, 0, 1, 2, 2, 13, 7, 168, 168, 1]),
        // A-17 (overlapping blocks): 02-25 11:00 → 03-09 09:00 = 286 h. In progress 03-02 09:00 .. 03-09 09:00 = 168 h; blocks
        // merged 03-03 09:00 .. 03-05 09:00 = 48 h → 120 h unblocked.
        ["A-17"] = ("A", [1, 0, 0, 1, 1, 1, 286 / 24.0, 7, 168, 120, 0]),
        // A-19: bug labelled "Production" (case-insensitive), team A from issues.team_key, never in a sprint, open.
        ["A-19"] = ("A", [1, 1, 1, 0, 0, 0, null, null, 0, 0, 0]),
        // A-20: 03-10 09:00 → 03-27 18:00 = 417 h; in progress 03-16 10:00 → 03-27 18:00 = 272 h.
        ["A-20"] = ("A", [1, 0, 0, 1, 0, 0, 417 / 24.0, 272 / 24.0, 272, 272, 0]),
        // A-21: sub-task, team A by its sprint, no transitions: resolved_at from the issue, 03-16 12:00 → 03-20 12:00 = 4 d,
        // no cycle time.
        ["A-21"] = ("A", [1, 0, 0, 1, 0, 0, 4, null, 0, 0, 0]),
        // A-22: escaped bug; 03-17 09:00 → 03-18 11:00 = 26 h; in progress 24 h.
        ["A-22"] = ("A", [1, 1, 1, 1, 0, 0, 26 / 24.0, 1, 24, 24, 0]),
        // A-25: a Story labelled "production" is not an escaped bug. 03-25 09:00 → 04-03 10:00 = 217 h; in progress 96 h.
        ["A-25"] = ("A", [1, 0, 0, 1, 0, 0, 217 / 24.0, 4, 96, 96, 0]),
        // A-26: open; one comment.
        ["A-26"] = ("A", [1, 0, 0, 0, 1, 0, null, null, 0, 0, 0]),
        // A-28: 03-26 10:00 → 04-09 12:00 = 338 h; in progress 03-30 12:00 → 04-09 12:00 = 240 h; blocked 03-27 09:00 .. 03-31 09:00,
        // of which 03-30 12:00 .. 03-31 09:00 = 21 h while in progress → 219.
        ["A-28"] = ("A", [1, 1, 0, 1, 0, 0, 338 / 24.0, 10, 240, 219, 0]),
        // A-100: the epic.
        ["A-100"] = ("A", [1, 0, 0, 0, 0, 0, null, null, 0, 0, 0]),
        // B-3: escaped ("customer"); 02-26 09:00 → 03-17 09:00 = 19 d; in progress 7 d.
        ["B-3"] = ("B", [1, 1, 1, 1, 0, 0, 19, 7, 168, 168, 0]),
        // B-5: To Do → Done directly: 03-17 08:00 → 03-25 10:00 = 194 h, no cycle time.
        ["B-5"] = ("B", [1, 0, 0, 1, 0, 0, 194 / 24.0, null, 0, 0, 0]),
    };

    // team_daily_wip: issues in the in_progress category at the end of the day (UTC).
    private static readonly (string Team, string Day, int Wip)[] WipExpected =
    [
        ("A", "2026-01-17", 1), // A-3 (in progress 01-07 .. 01-21)
        ("A", "2026-03-05", 1), // A-17; A-16 reached Done at 10:00 that day, A-15 on 03-04
        ("A", "2026-03-06", 2), // A-17 and A-16 (reopened 03-06 10:00)
        ("A", "2026-04-15", 5), // A-26, A-30, A-31, A-32, A-34 (A-35 done 11:00; A-33 starts 04-16)
        ("A", "2026-04-16", 6), // + A-33; A-30 moved In Progress → In Review: still one issue in progress
        ("B", "2026-03-10", 2), // B-2, B-3 (B-1 done 03-06)
        ("B", "2026-03-21", 0), // B-4 done 03-20, B-3 done 03-17
    ];

    // issue_idle_segments: in-progress stretches cut at transitions and comments.
    private static readonly (string Issue, string From, string? To)[] SegmentsExpected =
    [
        ("A-26", "2026-03-31 09:00", "2026-04-14 10:00"), ("A-26", "2026-04-14 10:00", null),
        ("A-30", "2026-04-14 09:00", "2026-04-16 09:00"), ("A-30", "2026-04-16 09:00", "2026-04-20 10:00"), ("A-30", "2026-04-20 10:00", null),
        ("A-31", "2026-04-13 10:00", null),
        ("A-33", "2026-04-16 09:00", "2026-04-21 09:00"),
        ("A-34", "2026-04-13 12:00", "2026-04-16 12:00"), ("A-34", "2026-04-16 12:00", "2026-04-22 09:00"),
    ];

    // issue_events of A-16 (done, reopened, done again): the arrivals in done and the reopen, nothing else.
    private static readonly (string At, string From, string To, int IsReopen, int IsDoneArrival)[] A16Events =
    [
        ("2026-03-05 10:00", "in_progress", "done", 0, 1),
        ("2026-03-06 10:00", "done", "in_progress", 1, 0),
        ("2026-03-10 10:00", "in_progress", "done", 0, 1),
    ];

    // Stuck at as_of: a stretch that began at least 5 days before as_of and had not ended by it.
    private static readonly (string AsOf, string[] Issues)[] StuckExpected =
    [
        // 04-22 12:00 (threshold 04-17 12:00): A-26 idle since 04-14 10:00, A-31 since 04-13 10:00. A-30 was active 04-20
        // (comment); A-34 left in-progress at 04-22 09:00.
        ("2026-04-22 12:00", ["A-26", "A-31"]),
        // 04-21 12:00 (threshold 04-16 12:00): also A-34, idle since exactly 04-16 12:00 (boundary included).
        ("2026-04-21 12:00", ["A-26", "A-31", "A-34"]),
    ];

    // Unassigned WIP at as_of: unassigned issues in progress then.
    private static readonly (string AsOf, string[] Issues)[] UnassignedExpected =
    [
        ("2026-04-22 12:00", ["A-30"]), // A-33 (unassigned) was done 04-21 09:00
        ("2026-04-20 12:00", ["A-30", "A-33"]),
    ];

    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Committed_points_count_presence_at_start_and_exclude_completed_elsewhere_subtasks_and_epics() =>
        await AssertFactTotalsAsync("committed_points", "committed_count", "committed_unestimated_count");

    [Fact]
    public async Task Completed_points_use_end_estimates_judge_the_last_membership_and_let_a_given_outcome_win() =>
        await AssertFactTotalsAsync("completed_points", "completed_count", "committed_completed_points", "unplanned_completed_points",
            "completed_bug_count");

    [Fact]
    public async Task Spilled_points_count_committed_unfinished_not_removed() =>
        await AssertFactTotalsAsync("spilled_points");

    [Fact]
    public async Task Scope_change_counts_additions_removals_including_a_re_added_issue_and_reestimation() =>
        await AssertFactTotalsAsync("added_points", "removed_points", "reestimated_points", "final_scope_points");

    [Fact]
    public async Task Carried_over_points_are_unfinished_in_the_teams_previous_sprint() =>
        await AssertFactTotalsAsync("carried_over_points");

    [Fact]
    public async Task Blocked_hours_merge_overlaps_clip_to_the_sprint_window_and_count_blocked_issues() =>
        await AssertFactTotalsAsync("blocked_hours", "blocked_count", "scope_count");

    [Fact]
    public async Task Sprint_issue_rows_for_the_edge_cases()
    {
        var rows = (await QueryAsync("SELECT * FROM sprint_issue_facts")).ToDictionary(r => $"{r["sprint_key"]}/{r["issue_key"]}");

        // Sub-tasks and epics are not sprint scope: no row at all.
        Assert.DoesNotContain("A6/A-21", rows.Keys);
        Assert.DoesNotContain("A5/A-100", rows.Keys);
        // One row per sprint × issue, even for the issue with two memberships.
        // 46 membership rows (A1 3, A2 5, A3 4, A4 6, A5 5, A6 6, A7 5, A8 7, B1 3, B2 2) − A-11's second − A-21 − A-100.
        Assert.Equal(43, rows.Count);

        void Row(string key, string outcome, bool committed, params (string Column, double Value)[] values)
        {
            var row = rows[key];
            Assert.Equal(outcome, row["outcome"]);
            Assert.Equal(committed, row["committed"]);
            foreach (var (column, value) in values)
            {
                AssertNear(value, row[column], $"{key} {column}");
            }
        }

        // A-11 removed 02-18 and re-added 02-20, done 02-24: judged on the last membership (completed), committed because
        // present at start; its removal and its re-add both move scope.
        Row("A4/A-11", "completed", true, ("committed_points", 3), ("completed_points", 3), ("committed_completed_points", 3),
            ("added_points", 3), ("added_count", 1), ("removed_points", 3), ("removed_count", 0), ("spilled_points", 0));
        // A-12 done 02-16 08:30, before A4 started at 09:00.
        Row("A4/A-12", "completed_elsewhere", false, ("committed_points", 0), ("completed_points", 0), ("scope_count", 0),
            ("final_scope_points", 0));
        // A-6 in A3: start 3, end 5, carried over from A2.
        Row("A3/A-6", "completed", true, ("committed_points", 3), ("completed_points", 5), ("committed_completed_points", 3),
            ("reestimated_points", 2), ("carried_over_points", 3));
        // A-9 removed 02-09: stays committed; churn, not spillover.
        Row("A3/A-9", "removed", true, ("committed_points", 5), ("removed_points", 5), ("removed_count", 1), ("spilled_points", 0),
            ("final_scope_points", 0), ("reestimated_points", 0));
        // A-20: in progress at close by its transitions, but the membership says completed.
        Row("A6/A-20", "completed", true, ("completed_points", 8), ("committed_completed_points", 8));
        // A-5: committed and unestimated: 0 points, counted.
        Row("A2/A-5", "completed", true, ("committed_points", 0), ("committed_count", 1), ("committed_unestimated_count", 1),
            ("completed_count", 1));
        // A-3 in A1: added mid-sprint, unfinished: neither committed nor spilled (spillover is about the commitment).
        Row("A1/A-3", "not_completed", false, ("added_points", 2), ("spilled_points", 0), ("spilled_count", 0), ("not_completed_count", 1));
        // A-26: unfinished in A7 and carried into A8, blocked the whole of A8.
        Row("A8/A-26", "not_completed", true, ("spilled_points", 3), ("carried_over_points", 3), ("blocked_hours", 272), ("blocked_count", 1));
        // B-4: added after B2 started: not committed, unplanned.
        Row("B2/B-4", "completed", false, ("added_points", 3), ("unplanned_completed_points", 3), ("committed_points", 0));
    }

    [Fact]
    public async Task Low_sample_flags_sprints_with_fewer_than_three_committed_issues()
    {
        var facts = (await QueryAsync("SELECT sprint_key, bool_and(low_sample) AS all_rows, bool_or(low_sample) AS any_row FROM sprint_issue_facts GROUP BY sprint_key"))
            .ToDictionary(r => (string)r["sprint_key"]!);
        var stats = (await QueryAsync("SELECT sprint_key, low_sample FROM sprint_stats")).ToDictionary(r => (string)r["sprint_key"]!);
        // A1: 2 committed. A4: exactly 3 (not low). B2: none.
        string[] low = ["A1", "B2"];
        foreach (var sprint in Sprints)
        {
            Assert.Equal(low.Contains(sprint), facts[sprint]["all_rows"]);
            Assert.Equal(low.Contains(sprint), facts[sprint]["any_row"]);
            Assert.Equal(low.Contains(sprint), stats[sprint]["low_sample"]);
        }
    }

    [Fact]
    public async Task Sprint_stats_sums_and_the_catalog_values_per_sprint_equal_the_hand_computed_values()
    {
        // The view keeps the sprint's own quantities; every metric's value per sprint is computed by the builder from the catalog.
        var stats = (await QueryAsync("SELECT * FROM sprint_stats")).ToDictionary(r => (string)r["sprint_key"]!);
        var values = await CatalogValuesAsync();
        Assert.Equal(Sprints.Order(), stats.Keys.Order());
        Assert.Equal(Sprints.Order(), values.Keys.Order());
        foreach (var (column, expected) in StatsExpected)
        {
            var rows = ViewColumns.Contains(column) ? stats : values;
            for (var i = 0; i < Sprints.Length; i++)
            {
                AssertNear(expected[i], rows[Sprints[i]][column], $"{Sprints[i]} {column}");
            }
        }
    }

    [Fact]
    public async Task The_rollup_holds_each_sprints_sum_of_every_measure_the_builder_reads_from_it()
    {
        // The builder answers sums without issue-level keys or filters from sprint_stats (QueryBuilder.SourceView): it must hold,
        // per sprint, exactly the sum of each such measure's sprint_issue_facts column, and the same team, sprint, state and close.
        var rollup = AnalyticsModel.SprintIssueFacts.RollupFor("sprint_close_at")!;
        var sums = AnalyticsModel.Measures.Where(m => m.Rollup == rollup).Select(m => m.Column).Distinct().ToList();
        var labels = rollup.DimensionColumns.Values.Append("sprint_state").Append("sprint_close_at").Distinct().ToList();
        Assert.Contains("completed_points", sums);
        var facts = (await QueryAsync(
                $"SELECT f.sprint_key, {string.Join(", ", sums.Select(c => $"sum(f.{c}) AS {c}").Concat(labels.Select(c => $"min(f.{c}) AS {c}")))} " +
                "FROM sprint_issue_facts f GROUP BY f.sprint_key"))
            .ToDictionary(r => (string)r["sprint_key"]!);
        var rolled = (await QueryAsync($"SELECT s.sprint_key, {string.Join(", ", sums.Concat(labels).Select(c => $"s.{c}"))} FROM {rollup.Name} s"))
            .ToDictionary(r => (string)r["sprint_key"]!);
        Assert.Equal(Sprints.Order(), facts.Keys.Order());
        Assert.Equal(facts.Keys.Order(), rolled.Keys.Order());
        foreach (var (sprint, row) in facts)
        {
            foreach (var column in sums.Concat(labels))
            {
                Assert.True(Equals(row[column], rolled[sprint][column]), $"{sprint} {column}: facts {row[column]}, rollup {rolled[sprint][column]}");
            }
        }
    }

    [Fact]
    public async Task The_month_rollups_hold_each_teams_monthly_sum_and_mean_of_every_issue_flow_measure_the_builder_reads_from_them()
    {
        // The builder answers issue sums over whole months by team or month from the month rollups (QueryBuilder.SourceView): each
        // must hold, per team and UTC month of its time column (a null time included), exactly the sum of each such measure's
        // issue_flow column, and no (team, month) that has no issue.
        var rollups = AnalyticsModel.IssueFlow.Rollups.Where(r => r.TimeGrain == SpiralAnalytics.Core.Analytics.AnalyticsView.Month).ToList();
        Assert.Equal(2, rollups.Count);
        foreach (var rollup in rollups)
        {
            var time = rollup.RollupTimeColumn!;
            var sums = AnalyticsModel.Measures.Where(m => m.Rollup == rollup && m.Aggregation == Aggregation.Sum).Select(m => m.Column).Distinct().ToList();
            var means = AnalyticsModel.Measures.Where(m => m.Rollup == rollup && m.Aggregation == Aggregation.Values).Select(m => m.Column).ToList();
            Assert.NotEmpty(sums);
            Assert.Equal(rollup.HoldsValues, means.Count > 0);
            string Key(Dictionary<string, object?> r) => $"{r["team_name"]}|{r["month"]}";
            var flow = (await QueryAsync(
                    $"SELECT f.team_name, to_char(date_trunc('month', f.{time}, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS month, " +
                    $"{string.Join(", ", sums.Select(c => $"sum(f.{c})::numeric AS {c}").Concat(means.Select(c => $"avg(f.{c}) AS {c}")))} FROM issue_flow f GROUP BY 1, 2"))
                .ToDictionary(Key);
            var rolled = (await QueryAsync(
                    $"SELECT r.team_name, to_char(r.{time} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS month, " +
                    $"{string.Join(", ", sums.Select(c => $"sum(r.{c})::numeric AS {c}").Concat(means.Select(c => $"sum(r.{c}_sum) / nullif(sum(r.{c}_count), 0)::numeric AS {c}")))} " +
                    $"FROM {rollup.Name} r GROUP BY 1, 2"))
                .ToDictionary(Key);
            Assert.True(flow.Count > 1, $"{rollup.Name}: the known answers span more than one month");
            Assert.Equal(flow.Keys.Order(), rolled.Keys.Order());
            foreach (var (key, row) in flow)
            {
                foreach (var column in sums.Concat(means))
                {
                    Assert.True(Equals(row[column], rolled[key][column]), $"{rollup.Name} {key} {column}: issue_flow {row[column]}, rollup {rolled[key][column]}");
                }
            }
        }
    }

    [Fact]
    public async Task The_resolved_month_rollup_lists_exactly_each_teams_monthly_issue_values_for_percentiles()
    {
        // percentiles over whole months are taken over the rollup's lists unnested: per team and month they must be the same
        // multiset of values as issue_flow's (nulls left out, as percentile_cont leaves them out).
        var rollup = AnalyticsModel.IssueFlowResolvedMonths;
        foreach (var column in AnalyticsModel.Measures.Where(m => m.Rollup == rollup && m.Aggregation == Aggregation.Values).Select(m => m.Column))
        {
            string Key(Dictionary<string, object?> r) => $"{r["team_name"]}|{r["month"]}";
            var flow = (await QueryAsync(
                    $"SELECT f.team_name, to_char(f.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, array_agg(f.{column} ORDER BY f.{column})::text AS v " +
                    $"FROM issue_flow f WHERE f.{column} IS NOT NULL GROUP BY 1, 2"))
                .ToDictionary(Key, r => (string?)r["v"]);
            var rolled = (await QueryAsync(
                    $"SELECT r.team_name, to_char(r.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, array_agg(u.x ORDER BY u.x)::text AS v " +
                    $"FROM {rollup.Name} r CROSS JOIN LATERAL unnest(r.{column}_values) u(x) GROUP BY 1, 2"))
                .ToDictionary(Key, r => (string?)r["v"]);
            Assert.True(flow.Count > 1, column);
            Assert.Equal(flow.OrderBy(p => p.Key, StringComparer.Ordinal), rolled.OrderBy(p => p.Key, StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task The_event_month_rollup_counts_each_issue_once_per_team_and_month_and_once_over_all_time()
    {
        // reopened issues and done arrivals over whole months are sums of the rows whose issue's previous event of the kind is in
        // an earlier month (QueryBuilder.FirstInWindow): per team and month, and per team over all time (no previous event at all),
        // they must be the distinct issues of issue_events.
        foreach (var (column, month) in new[] { ("is_reopen", true), ("is_done_arrival", true), ("is_reopen", false), ("is_done_arrival", false) })
        {
            var bucket = month ? "to_char(date_trunc('month', e.at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM')" : "'all'";
            var rolledBucket = month ? "to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM')" : "'all'";
            var first = month ? "(r.previous_at IS NULL OR r.previous_at < r.at)" : "r.previous_at IS NULL";
            string Key(Dictionary<string, object?> r) => $"{r["team_name"]}|{r["bucket"]}";
            var distinct = (await QueryAsync(
                    $"SELECT e.team_name, {bucket} AS bucket, count(DISTINCT e.issue_key) FILTER (WHERE e.{column} = 1) AS n FROM issue_events e GROUP BY 1, 2"))
                .ToDictionary(Key, r => Convert.ToInt64(r["n"], CultureInfo.InvariantCulture));
            var rolled = (await QueryAsync(
                    $"SELECT r.team_name, {rolledBucket} AS bucket, coalesce(sum(r.events) FILTER (WHERE r.{column} = 1 AND {first}), 0) AS n " +
                    $"FROM {AnalyticsModel.IssueEventsMonths.Name} r GROUP BY 1, 2"))
                .ToDictionary(Key, r => Convert.ToInt64(r["n"], CultureInfo.InvariantCulture));
            Assert.Contains(distinct.Values, n => n > 0);
            Assert.Equal(distinct.OrderBy(p => p.Key, StringComparer.Ordinal), rolled.OrderBy(p => p.Key, StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task A_sprint_with_nothing_committed_has_null_commitment_ratios()
    {
        var b2 = (await CatalogValuesAsync())["B2"];
        foreach (var metric in new[] { "say_do_ratio", "spillover_ratio", "carryover_ratio", "scope_creep_ratio", "scope_churn_ratio", "accuracy_abs", "unestimated_ratio" })
        {
            Assert.Null(b2[metric]);
        }

        // Ratios over other denominators still exist: completion 5/5, unplanned 5/5.
        AssertNear(1, b2["completion_rate"], "B2 completion_rate");
        AssertNear(1, b2["unplanned_work_share"], "B2 unplanned_work_share");
    }

    [Fact]
    public async Task Z_scores_computed_from_the_catalog_definitions_equal_the_known_answers()
    {
        // The builder's z-scores (ZScoreSql over the per-sprint values the builder computes from each metric's catalog terms).
        var rows = await CatalogValuesAsync();
        foreach (var metric in ZExpected.Keys)
        {
            for (var i = 0; i < ZSprints.Length; i++)
            {
                AssertNear(ZExpected[metric][i], rows[ZSprints[i]][metric + "__z"], $"{ZSprints[i]} {metric}__z");
            }

            // Too little history: A1 (none), A2..A4 (fewer than 4 eligible), A5 (A2..A4 only: A1 is low_sample and left
            // out); team B (one eligible sprint, B2 low_sample).
            foreach (var sprint in new[] { "A1", "A2", "A3", "A4", "A5", "B1", "B2" })
            {
                Assert.Null(rows[sprint][metric + "__z"]);
            }
        }

        // Which metrics have z-scores follows from the definitions: every one the views scored, and more (no hand list).
        var catalog = ShippedCatalog();
        Assert.Superset(ZExpected.Keys.ToHashSet(), ZScoreSql.Scored(catalog).ToHashSet());
        Assert.DoesNotContain("stuck_count", ZScoreSql.Scored(catalog));
        Assert.DoesNotContain("sprint_problematic_score", ZScoreSql.Scored(catalog));
    }

    [Fact]
    public async Task Issue_flow_lead_cycle_and_flow_hours_for_the_edge_cases()
    {
        var rows = (await QueryAsync("SELECT * FROM issue_flow")).ToDictionary(r => (string)r["issue_key"]!);
        Assert.Equal(41, rows.Count); // A-1 .. A-35, A-100, B-1 .. B-5 (A-19 and A-100 included: issue grain)
        foreach (var (issue, (team, values)) in FlowExpected)
        {
            Assert.Equal(team, rows[issue]["team_key"]);
            for (var i = 0; i < FlowColumns.Length; i++)
            {
                AssertNear(values[i], rows[issue][FlowColumns[i]], $"{issue} {FlowColumns[i]}");
            }
        }

        // Issue blocked hours: merged, unclipped (closed blocks only; A-26's open block grows with now()).
        AssertNear(30, rows["A-4"]["blocked_hours"], "A-4 blocked_hours");
        AssertNear(48, rows["A-17"]["blocked_hours"], "A-17 blocked_hours");
        AssertNear(96, rows["A-28"]["blocked_hours"], "A-28 blocked_hours");
    }

    [Fact]
    public async Task Issue_flow_window_sums_for_created_bugs_escaped_resolved_comments_and_flow_efficiency()
    {
        const string created =
            "SELECT team_key, sum(created_count) AS created, sum(bug_count) AS bugs, sum(escaped_bug_count) AS escaped FROM issue_flow " +
            "WHERE created_at >= $1 AND created_at < $2 GROUP BY team_key";
        var february = (await QueryAsync(created, Utc("2026-02-01 00:00"), Utc("2026-03-01 00:00"))).ToDictionary(r => (string)r["team_key"]!);
        var march = (await QueryAsync(created, Utc("2026-03-01 00:00"), Utc("2026-04-01 00:00"))).ToDictionary(r => (string)r["team_key"]!);
        // February, team A: A-11, A-12, A-13, A-14, A-15, A-16, A-17, A-18 = 8; bug A-13 (label "ui": not escaped).
        AssertSums(february["A"], 8, 1, 0);
        // February, team B: B-1, B-2, B-3; B-3 is a bug labelled "customer".
        AssertSums(february["B"], 3, 1, 1);
        // March, team A: A-19 .. A-29 = 11; bugs A-19, A-22, A-28; escaped A-19 ("Production"), A-22 ("escaped").
        AssertSums(march["A"], 11, 3, 2);
        AssertSums(march["B"], 2, 0, 0);

        var resolved = (await QueryAsync(
            "SELECT team_key, sum(resolved_count) AS resolved, sum(resolved_comment_count) AS comments, sum(in_progress_hours) AS ip, " +
            "sum(unblocked_in_progress_hours) AS unblocked, percentile_cont(0.5) WITHIN GROUP (ORDER BY lead_time_days) AS lead_p50, " +
            "avg(lead_time_days) AS lead_avg, percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle_time_days) AS cycle_p50, " +
            "avg(cycle_time_days) AS cycle_avg FROM issue_flow WHERE resolved_at >= $1 AND resolved_at < $2 GROUP BY team_key",
            Utc("2026-03-01 00:00"), Utc("2026-04-01 00:00"))).ToDictionary(r => (string)r["team_key"]!);
        var a = resolved["A"];
        // Resolved in March, team A: A-15 03-04, A-17 03-09, A-16 03-10, A-22 03-18, A-18 03-18, A-21 03-20, A-23 03-26, A-20 03-27.
        AssertNear(8, a["resolved"], "resolved");
        // Comments on them: A-16 2 + A-17 1 (comments_per_issue = 3 / 8).
        AssertNear(3, a["comments"], "comments");
        // In progress: A-15 219 + A-17 168 + A-16 168 + A-22 24 + A-18 219 + A-21 0 + A-23 78 + A-20 272 = 1148 h;
        // minus A-17's 48 blocked hours = 1100 (flow efficiency 1100 / 1148).
        AssertNear(1148, a["ip"], "in_progress_hours");
        AssertNear(1100, a["unblocked"], "unblocked_in_progress_hours");
        // Lead times (d): A-22 26/24, A-21 4, A-17 286/24, A-16 13, A-23 15.25, A-20 17.375, A-15 20.125, A-18 20.125:
        // median (13 + 15.25) / 2; mean 102.875 / 8.
        AssertNear(14.125, a["lead_p50"], "lead p50");
        AssertNear(102.875 / 8, a["lead_avg"], "lead avg");
        // Cycle times (d): A-22 1, A-23 3.25, A-16 7, A-17 7, A-15 9.125, A-18 9.125, A-20 272/24 (A-21 none): median 7, mean 41/6.
        AssertNear(7, a["cycle_p50"], "cycle p50");
        AssertNear(41 / 6.0, a["cycle_avg"], "cycle avg");
        // Team B resolved in March: B-1, B-2, B-3, B-4, B-5; one comment (B-1).
        AssertNear(5, resolved["B"]["resolved"], "B resolved");
        AssertNear(1, resolved["B"]["comments"], "B comments");

        static void AssertSums(Dictionary<string, object?> row, double created, double bugs, double escaped)
        {
            AssertNear(created, row["created"], "created");
            AssertNear(bugs, row["bugs"], "bugs");
            AssertNear(escaped, row["escaped"], "escaped");
        }
    }

    [Fact]
    public async Task Issue_events_mark_done_arrivals_and_reopens()
    {
        var a16 = await QueryAsync("SELECT at, from_category, to_category, is_reopen, is_done_arrival FROM issue_events WHERE issue_key = 'A-16'");
        Assert.Equal(
            A16Events.Select(e => (Utc(e.At), e.From, e.To, e.IsReopen, e.IsDoneArrival)),
            a16.OrderBy(r => (DateTime)r["at"]!).Select(r => ((DateTime)r["at"]!, (string)r["from_category"]!, (string)r["to_category"]!, (int)(double)r["is_reopen"]!, (int)(double)r["is_done_arrival"]!)));

        var totals = (await QueryAsync(
            "SELECT team_key, sum(is_done_arrival) AS arrivals, count(DISTINCT issue_key) FILTER (WHERE is_done_arrival = 1) AS arrived, " +
            "sum(is_reopen) AS reopens FROM issue_events GROUP BY team_key")).ToDictionary(r => (string)r["team_key"]!);
        // Team A: 25 issues reach Done (A-1..A-8, A-11..A-18, A-20, A-22, A-23, A-25, A-27, A-28, A-32, A-33, A-35), A-16 twice.
        AssertNear(26, totals["A"]["arrivals"], "A arrivals");
        AssertNear(25, totals["A"]["arrived"], "A arrived issues");
        AssertNear(1, totals["A"]["reopens"], "A reopens");
        // Team B: B-1..B-5 (B-5 straight from To Do).
        AssertNear(5, totals["B"]["arrivals"], "B arrivals");
        AssertNear(0, totals["B"]["reopens"], "B reopens");

        // In A5's window (03-02 09:00, 03-13 17:00]: reopened 1 (A-16) of 3 arrived (A-15, A-16, A-17).
        var a5 = (await QueryAsync(
            "SELECT count(DISTINCT issue_key) FILTER (WHERE is_reopen = 1) AS reopened, count(DISTINCT issue_key) FILTER (WHERE is_done_arrival = 1) AS arrived " +
            "FROM issue_events WHERE team_key = 'A' AND at > $1 AND at <= $2", Utc("2026-03-02 09:00"), Utc("2026-03-13 17:00"))).Single();
        AssertNear(1, a5["reopened"], "A5 reopened");
        AssertNear(3, a5["arrived"], "A5 arrived");
    }

    [Fact]
    public async Task Team_daily_wip_counts_issues_in_progress_at_the_end_of_each_utc_day()
    {
        foreach (var (team, day, wip) in WipExpected)
        {
            var row = (await QueryAsync("SELECT wip_count FROM team_daily_wip WHERE team_key = $1 AND day = $2", team, Utc(day + " 00:00"))).SingleOrDefault();
            Assert.True(row is not null, $"{team} {day}: no team_daily_wip row");
            Assert.True(wip == (double)row["wip_count"]!, $"{team} {day}: expected {wip}, view {row["wip_count"]}");
        }

        // The wip metric is the mean over the window's days, days without WIP counting as 0. B2's days 03-16 .. 03-27:
        // 2 (B-3, B-4), 1, 1, 1 (B-4), then 0 for 8 days (B-4 done 03-20 12:00; team B has no WIP after that) = 5 / 12.
        var b2 = (await QueryAsync(
            "SELECT count(*) AS days, avg(wip_count) AS wip FROM team_daily_wip WHERE team_key = 'B' AND day >= $1 AND day <= $2",
            Utc("2026-03-16 00:00"), Utc("2026-03-27 00:00"))).Single();
        AssertNear(12, b2["days"], "B2 days");
        AssertNear(5 / 12.0, b2["wip"], "B2 mean wip");
    }

    [Fact]
    public async Task Idle_segments_cut_in_progress_time_at_transitions_and_comments()
    {
        var keys = SegmentsExpected.Select(s => s.Issue).Distinct().ToArray();
        var rows = await QueryAsync("SELECT issue_key, idle_from, idle_to FROM issue_idle_segments WHERE issue_key = ANY($1)", (object)keys);
        Assert.Equal(
            SegmentsExpected.Select(s => (s.Issue, Utc(s.From), s.To is null ? (DateTime?)null : Utc(s.To))),
            rows.Select(r => ((string)r["issue_key"]!, (DateTime)r["idle_from"]!, (DateTime?)r["idle_to"])).Order());

        // A-16's reopen leaves a gap (Done 03-05 10:00 .. 03-06 10:00) and its comments cut the rest.
        var a16 = await QueryAsync("SELECT idle_from, idle_to FROM issue_idle_segments WHERE issue_key = 'A-16'");
        Assert.Equal(
            [
                (Utc("2026-03-02 10:00"), Utc("2026-03-03 10:00")), (Utc("2026-03-03 10:00"), Utc("2026-03-05 10:00")),
                (Utc("2026-03-06 10:00"), Utc("2026-03-07 11:00")), (Utc("2026-03-07 11:00"), Utc("2026-03-10 10:00")),
            ],
            a16.Select(r => ((DateTime)r["idle_from"]!, (DateTime)r["idle_to"]!)).Order());
    }

    [Fact]
    public async Task Stuck_issues_are_exactly_those_idle_for_five_days_at_as_of()
    {
        var stuck = AnalyticsModel.FindMeasure("stuck_issues")!;
        Assert.Equal(5, stuck.SnapshotMinAgeDays);
        foreach (var (asOf, issues) in StuckExpected)
        {
            var rows = await QueryAsync(
                $"SELECT DISTINCT issue_key FROM issue_idle_segments WHERE {stuck.Column} = 1 " +
                $"AND {stuck.TimeColumn} <= $1 - make_interval(days => $2) AND ({stuck.SnapshotToColumn} IS NULL OR {stuck.SnapshotToColumn} > $1)",
                Utc(asOf), stuck.SnapshotMinAgeDays);
            Assert.Equal(issues, rows.Select(r => (string)r["issue_key"]!).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Unassigned_wip_is_exactly_the_unassigned_issues_in_progress_at_as_of()
    {
        var unassigned = AnalyticsModel.FindMeasure("unassigned_wip_issues")!;
        foreach (var (asOf, issues) in UnassignedExpected)
        {
            var rows = await QueryAsync(
                $"SELECT DISTINCT issue_key FROM issue_idle_segments WHERE {unassigned.Column} = 1 " +
                $"AND {unassigned.TimeColumn} <= $1 AND ({unassigned.SnapshotToColumn} IS NULL OR {unassigned.SnapshotToColumn} > $1)",
                Utc(asOf));
            Assert.Equal(issues, rows.Select(r => (string)r["issue_key"]!).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Every_measure_is_exercised_by_a_non_zero_expectation()
    {
        static bool NonZero(double? v) => v is { } x && x != 0;

        var exercised = new HashSet<(string View, string Column)>();
        exercised.UnionWith(FactTotals.Where(c => c.Value.Any(v => v != 0)).Select(c => ("sprint_issue_facts", c.Key)));
        exercised.UnionWith(StatsExpected.Where(c => c.Value.Any(NonZero)).Select(c => ("sprint_stats", c.Key)));
        exercised.UnionWith(FlowColumns.Where((_, i) => FlowExpected.Values.Any(f => NonZero(f.Values[i]))).Select(c => ("issue_flow", c)));
        if (A16Events.Any(e => e.IsReopen != 0))
        {
            exercised.Add(("issue_events", "is_reopen"));
        }

        if (A16Events.Any(e => e.IsDoneArrival != 0))
        {
            exercised.Add(("issue_events", "is_done_arrival"));
        }

        if (WipExpected.Any(w => w.Wip != 0))
        {
            exercised.Add(("team_daily_wip", "wip_count"));
        }

        if (StuckExpected.Any(s => s.Issues.Length > 0))
        {
            exercised.Add(("issue_idle_segments", "is_stuck_candidate"));
        }

        if (UnassignedExpected.Any(s => s.Issues.Length > 0))
        {
            exercised.Add(("issue_idle_segments", "is_unassigned"));
        }

        var missing = AnalyticsModel.Measures.Where(m => !exercised.Contains((m.View.Name, m.Column))).Select(m => m.Name).ToList();
        Assert.Empty(missing);

        // Every z-scored sprint metric has a per-sprint expectation and a z expectation with a non-zero value.
        Assert.All(ZExpected.Keys, m => Assert.True(StatsExpected[m].Any(NonZero) && ZExpected[m].Any(z => z != 0), m));
    }

    // ---------------------------------------------------------------------------------------------------------------

    private async Task AssertFactTotalsAsync(params string[] columns)
    {
        var sums = string.Join(", ", columns.Select(c => $"sum({c}) AS {c}"));
        var rows = (await QueryAsync($"SELECT sprint_key, {sums} FROM sprint_issue_facts GROUP BY sprint_key")).ToDictionary(r => (string)r["sprint_key"]!);
        Assert.Equal(Sprints.Order(), rows.Keys.Order());
        foreach (var column in columns)
        {
            for (var i = 0; i < Sprints.Length; i++)
            {
                AssertNear(FactTotals[column][i], rows[Sprints[i]][column], $"{Sprints[i]} {column}");
            }
        }
    }

    private static void AssertNear(double? expected, object? actual, string what)
    {
        if (expected is null)
        {
            Assert.True(actual is null, $"{what}: expected NULL, view {actual}");
            return;
        }

        Assert.True(actual is not null, $"{what}: expected {expected}, view NULL");
        var value = Convert.ToDouble(actual, CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(value - expected.Value) <= Tolerance, $"{what}: expected {expected}, view {value}");
    }

    private static DateTime Utc(string text) => T(text).UtcDateTime;

    /// <summary>The sprint_stats columns among <see cref="StatsExpected"/>; the rest are catalog metrics.</summary>
    private static readonly HashSet<string> ViewColumns = ["committed_points", "planning_error_points"];

    private static MetricCatalog ShippedCatalog() => CatalogLoader.Load(Path.Combine(RepoPaths.Root, "catalog")).Catalog;

    /// <summary>Per sprint, every metric of <see cref="StatsExpected"/> and its z-score (<c>m</c>, <c>m__z</c>), as the query builder
    /// computes them from the shipped catalog (<see cref="ZScoreSql"/> over <see cref="QueryBuilder"/>'s per-sprint values).</summary>
    private async Task<Dictionary<string, Dictionary<string, object?>>> CatalogValuesAsync()
    {
        var catalog = ShippedCatalog();
        var metrics = StatsExpected.Keys.Where(k => !ViewColumns.Contains(k)).Select(catalog.Get).ToList();
        var p = new SqlParameters();
        var ctes = ZScoreSql.Ctes("scores", metrics, "SELECT sprint_key FROM sprint_stats", null, catalog, p);
        return (await QueryAsync($"WITH {string.Join(",\n", ctes)}\nSELECT * FROM scores", [.. p.Values]))
            .ToDictionary(r => (string)r["sprint_key"]!);
    }

    /// <summary>
    /// Rows of a query, read through jsonb so that numeric results (ratios, z-scores) keep every digit they have (more than
    /// decimal holds): numbers come back as double, timestamps as UTC DateTime, booleans and text as themselves.
    /// </summary>
    private async Task<List<Dictionary<string, object?>>> QueryAsync(string sql, params object[] parameters)
    {
        var (db, tenant) = await SeedAsync();
        await using var session = await TenantSession.BeginAsync(db.DataSources.Runtime, tenant, Ct);
        await using var command = session.Command($"SELECT to_jsonb(q)::text FROM ({sql}) q");
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync(Ct))
        {
            using var json = JsonDocument.Parse(reader.GetString(0));
            rows.Add(json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value), StringComparer.Ordinal));
        }

        return rows;

        static object? Value(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.String when e.GetString() is { Length: >= 19 } text && text[4] == '-' && text[10] == 'T'
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) => at.UtcDateTime,
            _ => e.GetString(),
        };
    }

    private async Task<(TestDatabase Db, Guid Tenant)> SeedAsync()
    {
        var db = await server.DatabaseAsync(nameof(KnownAnswerViewTests));
        var tenant = await server.OnceAsync($"{nameof(KnownAnswerViewTests)}:tenant", () => ImportAsync(db));
        return (db, tenant);
    }

    private static async Task<Guid> ImportAsync(TestDatabase db)
    {
        var slug = TestData.NewSlug("known");
        var id = await TestData.CreateTenantAsync(db, slug);
        var folder = Directory.CreateTempSubdirectory("spiral-known-answers-").FullName;
        try
        {
            CsvBundleWriter.Write(folder, Build());
            using var host = db.BuildHost();
            await ((BundleImporter)host.Services.GetService(typeof(BundleImporter))!).ImportAsync(folder, slug, CancellationToken.None);
            await ((AnalyticsRefresher)host.Services.GetService(typeof(AnalyticsRefresher))!).RefreshAsync(null, CancellationToken.None);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        return id;
    }
}
