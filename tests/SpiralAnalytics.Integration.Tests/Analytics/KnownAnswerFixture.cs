using System.Globalization;
using SpiralAnalytics.Core.Bundles;

namespace SpiralAnalytics.Integration.Tests.Analytics;

/// <summary>
/// A small hand-built bundle whose every measure has been worked out by hand (KnownAnswerViewTests).
/// Two teams: Atlas (A) with seven closed two-week sprints and an active one, Borealis (B) with two closed sprints.
/// All instants are UTC. Statuses map to categories: To Do → todo, In Progress and In Review → in_progress, Done → done.
/// </summary>
/// <remarks>
/// Sprint windows (start .. completed_at, end_at while active):
/// <code>
/// A1 01-05 09:00 .. 01-16 17:00    A5 03-02 09:00 .. 03-13 17:00    B1 03-02 09:00 .. 03-13 17:00
/// A2 01-19 09:00 .. 01-30 17:00    A6 03-16 09:00 .. 03-27 17:00    B2 03-16 09:00 .. 03-27 17:00
/// A3 02-02 09:00 .. 02-16 08:00    A7 03-30 09:00 .. 04-10 17:00
/// A4 02-16 09:00 .. 02-27 17:00    A8 04-13 09:00 .. 04-24 17:00 (active, end_at)
/// </code>
/// A3 was planned to end 02-13 17:00 but completed on 02-16 08:00: its window runs to completed_at.
/// What each sprint holds (points in brackets; "+" = added after start, "−" = removed before close):
/// <code>
/// A1  A-1 (3) done, A-2 (5) done, +A-3 (2) unfinished                                     → 2 committed: low_sample
/// A2  A-3 (2) carried, done; A-4 (8) done via In Review, blocked 30 h; A-5 (unestimated) done;
///     A-6 (3) unfinished; +A-7 bug (1) done
/// A3  A-6 carried, re-estimated 3 → 5, done on 02-14 (after end_at, before completed_at); A-8 (3) done;
///     A-9 (5) −removed; A-10 (2) unfinished (back to To Do after the sprint)
/// A4  A-11 (3) −removed 02-18 and +re-added 02-20, done; A-12 (2) done 02-16 08:30, before the start: completed_elsewhere;
///     +A-13 bug (2) done; A-14 (7) done; A-15 (3) unfinished
/// A5  A-15 carried, done; A-16 (5) done, reopened, done again; A-17 (3) done, two overlapping blocks (48 h merged);
///     A-18 (2) unfinished; A-100 (an epic, not sprint scope)
/// A6  A-18 carried, done; A-20 (8) in progress at close but Jira's outcome says completed; A-21 (a sub-task, not scope);
///     +A-22 escaped bug (1) done; A-23 (3) done; A-24 (unestimated) untouched
/// A7  A-25 (5) done; A-26 (3) unfinished, blocked from 04-08 with no end (a second block inside it); A-27 re-estimated 2 → 1, done;
///     A-28 bug (2) done, blocked 03-27 .. 03-31 (from before the start); A-29 (1) −removed
/// A8  A-26 carried, still blocked, stuck; A-30 (3) unassigned, In Review; A-31 (5) stuck; A-32 (unestimated) done;
///     +A-33 (2 when added, 3 at close) unassigned, done; A-34 (2) back to To Do on 04-22; A-35 (3) done
/// B1  B-1 (3) done, B-2 (2) done, B-3 escaped bug (1) unfinished (done 03-17, after the sprint)
/// B2  +B-4 (3) done, +B-5 (2) To Do → Done directly: nothing committed
/// </code>
/// A-19 (escaped bug, team A, never in a sprint), A-100 (epic) complete the issues.
/// </remarks>
public static class KnownAnswerFixture
{
    public static DateTimeOffset T(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static DateTimeOffset? Tn(string? text) => text is null ? null : T(text);

    private static string Category(string status) => status switch
    {
        "To Do" => "todo",
        "In Progress" or "In Review" => "in_progress",
        "Done" => "done",
        _ => throw new ArgumentException(status),
    };

    public static CsvBundle Build()
    {
        var issues = new List<IssueRow>();
        var transitions = new List<TransitionRow>();

        void Issue(string key, string type, decimal? points, string? assignee, string created, string status, string? resolved = null,
                   string? labels = null, string? epic = null, string? team = null, params string[] moves)
        {
            issues.Add(new IssueRow(key, team, type, "Medium", status, Category(status), resolved is null ? null : "Done", points, assignee, epic,
                labels?.Split(';') ?? [], T(created), Tn(resolved)));
            var from = "To Do";
            foreach (var move in moves)
            {
                // "yyyy-MM-dd HH:mm Status"
                var at = move[..16];
                var to = move[17..];
                transitions.Add(new TransitionRow(key, T(at), from, to, Category(from), Category(to)));
                from = to;
            }
        }

        // Team A
        Issue("A-1", "Story", 3, "ann", "2026-01-02 10:00", "Done", "2026-01-08 16:00", epic: "A-100",
              moves: ["2026-01-05 10:00 In Progress", "2026-01-08 16:00 Done"]);
        Issue("A-2", "Story", 5, "bob", "2026-01-02 11:00", "Done", "2026-01-14 12:00", epic: "A-100",
              moves: ["2026-01-06 09:00 In Progress", "2026-01-14 12:00 Done"]);
        Issue("A-3", "Story", 2, "cat", "2026-01-06 09:00", "Done", "2026-01-21 15:00",
              moves: ["2026-01-07 11:00 In Progress", "2026-01-21 15:00 Done"]);
        Issue("A-4", "Story", 8, "ann", "2026-01-12 09:00", "Done", "2026-01-27 14:00", epic: "A-100",
              moves: ["2026-01-19 10:00 In Progress", "2026-01-23 10:00 In Review", "2026-01-27 14:00 Done"]);
        Issue("A-5", "Story", null, "bob", "2026-01-12 10:00", "Done", "2026-01-29 17:00",
              moves: ["2026-01-20 09:00 In Progress", "2026-01-29 17:00 Done"]);
        Issue("A-6", "Task", 5, "cat", "2026-01-13 09:00", "Done", "2026-02-14 12:00",
              moves: ["2026-01-26 09:00 In Progress", "2026-02-14 12:00 Done"]);
        Issue("A-7", "Bug", 1, "dan", "2026-01-21 08:00", "Done", "2026-01-22 10:00",
              moves: ["2026-01-21 10:00 In Progress", "2026-01-22 10:00 Done"]);
        Issue("A-8", "Story", 3, "ann", "2026-01-28 09:00", "Done", "2026-02-06 09:00",
              moves: ["2026-02-03 09:00 In Progress", "2026-02-06 09:00 Done"]);
        Issue("A-9", "Story", 5, "bob", "2026-01-28 10:00", "To Do");
        Issue("A-10", "Task", 2, "cat", "2026-01-29 09:00", "To Do",
              moves: ["2026-02-09 09:00 In Progress", "2026-02-16 10:00 To Do"]);
        Issue("A-11", "Story", 3, "ann", "2026-02-10 09:00", "Done", "2026-02-24 15:00",
              moves: ["2026-02-20 11:00 In Progress", "2026-02-24 15:00 Done"]);
        Issue("A-12", "Story", 2, "bob", "2026-02-09 09:00", "Done", "2026-02-16 08:30",
              moves: ["2026-02-11 09:00 In Progress", "2026-02-16 08:30 Done"]);
        Issue("A-13", "Bug", 2, "cat", "2026-02-16 10:00", "Done", "2026-02-19 17:00", labels: "ui",
              moves: ["2026-02-17 09:00 In Progress", "2026-02-19 17:00 Done"]);
        Issue("A-14", "Story", 7, "dan", "2026-02-11 10:00", "Done", "2026-02-26 17:00",
              moves: ["2026-02-17 09:00 In Progress", "2026-02-26 17:00 Done"]);
        Issue("A-15", "Story", 3, "ann", "2026-02-12 09:00", "Done", "2026-03-04 12:00",
              moves: ["2026-02-23 09:00 In Progress", "2026-03-04 12:00 Done"]);
        Issue("A-16", "Story", 5, "bob", "2026-02-25 10:00", "Done", "2026-03-10 10:00",
              moves: ["2026-03-02 10:00 In Progress", "2026-03-05 10:00 Done", "2026-03-06 10:00 In Progress", "2026-03-10 10:00 Done"]);
        Issue("A-17", "Story", 3, "cat", "2026-02-25 11:00", "Done", "2026-03-09 09:00",
              moves: ["2026-03-02 09:00 In Progress", "2026-03-09 09:00 Done"]);
        Issue("A-18", "Story", 2, "dan", "2026-02-26 09:00", "Done", "2026-03-18 12:00",
              moves: ["2026-03-09 09:00 In Progress", "2026-03-18 12:00 Done"]);
        Issue("A-19", "Bug", null, null, "2026-03-04 14:00", "To Do", labels: "Production;backend", team: "A");
        Issue("A-20", "Story", 8, "ann", "2026-03-10 09:00", "Done", "2026-03-27 18:00",
              moves: ["2026-03-16 10:00 In Progress", "2026-03-27 18:00 Done"]);
        Issue("A-21", "Sub-task", 1, "bob", "2026-03-16 12:00", "Done", "2026-03-20 12:00");
        Issue("A-22", "Bug", 1, "bob", "2026-03-17 09:00", "Done", "2026-03-18 11:00", labels: "escaped",
              moves: ["2026-03-17 11:00 In Progress", "2026-03-18 11:00 Done"]);
        Issue("A-23", "Story", 3, "cat", "2026-03-11 09:00", "Done", "2026-03-26 15:00",
              moves: ["2026-03-23 09:00 In Progress", "2026-03-26 15:00 Done"]);
        Issue("A-24", "Task", null, "dan", "2026-03-11 10:00", "To Do");
        Issue("A-25", "Story", 5, "ann", "2026-03-25 09:00", "Done", "2026-04-03 10:00", labels: "production",
              moves: ["2026-03-30 10:00 In Progress", "2026-04-03 10:00 Done"]);
        Issue("A-26", "Story", 3, "bob", "2026-03-25 10:00", "In Progress",
              moves: ["2026-03-31 09:00 In Progress"]);
        Issue("A-27", "Story", 1, "cat", "2026-03-26 09:00", "Done", "2026-04-02 09:00",
              moves: ["2026-04-01 09:00 In Progress", "2026-04-02 09:00 Done"]);
        Issue("A-28", "Bug", 2, "dan", "2026-03-26 10:00", "Done", "2026-04-09 12:00",
              moves: ["2026-03-30 12:00 In Progress", "2026-04-09 12:00 Done"]);
        Issue("A-29", "Story", 1, "ann", "2026-03-26 11:00", "To Do");
        Issue("A-30", "Story", 3, null, "2026-04-08 09:00", "In Review",
              moves: ["2026-04-14 09:00 In Progress", "2026-04-16 09:00 In Review"]);
        Issue("A-31", "Story", 5, "ann", "2026-04-08 10:00", "In Progress",
              moves: ["2026-04-13 10:00 In Progress"]);
        Issue("A-32", "Story", null, "bob", "2026-04-09 09:00", "Done", "2026-04-17 09:00",
              moves: ["2026-04-15 09:00 In Progress", "2026-04-17 09:00 Done"]);
        Issue("A-33", "Task", 3, null, "2026-04-15 10:00", "Done", "2026-04-21 09:00",
              moves: ["2026-04-16 09:00 In Progress", "2026-04-21 09:00 Done"]);
        Issue("A-34", "Story", 2, "dan", "2026-04-09 10:00", "To Do",
              moves: ["2026-04-13 12:00 In Progress", "2026-04-22 09:00 To Do"]);
        Issue("A-35", "Story", 3, "ann", "2026-04-09 11:00", "Done", "2026-04-15 11:00",
              moves: ["2026-04-13 11:00 In Progress", "2026-04-15 11:00 Done"]);
        Issue("A-100", "Epic", null, "ann", "2025-12-15 09:00", "In Progress", team: "A");

        // Team B
        Issue("B-1", "Story", 3, "eve", "2026-02-25 09:00", "Done", "2026-03-06 10:00",
              moves: ["2026-03-02 10:00 In Progress", "2026-03-06 10:00 Done"]);
        Issue("B-2", "Story", 2, "fay", "2026-02-25 10:00", "Done", "2026-03-12 09:00",
              moves: ["2026-03-03 09:00 In Progress", "2026-03-12 09:00 Done"]);
        Issue("B-3", "Bug", 1, "eve", "2026-02-26 09:00", "Done", "2026-03-17 09:00", labels: "customer",
              moves: ["2026-03-10 09:00 In Progress", "2026-03-17 09:00 Done"]);
        Issue("B-4", "Story", 3, "fay", "2026-03-16 10:00", "Done", "2026-03-20 12:00",
              moves: ["2026-03-16 12:00 In Progress", "2026-03-20 12:00 Done"]);
        Issue("B-5", "Task", 2, "eve", "2026-03-17 08:00", "Done", "2026-03-25 10:00",
              moves: ["2026-03-25 10:00 Done"]);

        SprintRow Sprint(string key, string team, string start, string end, string? completed, string state = "closed") =>
            new(key, team, $"{(team == "A" ? "Atlas" : "Borealis")} {key[1..]}", state, T(start), T(end), Tn(completed), null);

        MembershipRow In(string sprint, string issue, string? added = null, string? removed = null, string? outcome = null,
                         decimal? atStart = null, decimal? atEnd = null) =>
            new(sprint, issue, Tn(added), Tn(removed), null, outcome, atStart, atEnd);

        return new CsvBundle(
            [new TeamRow("A", "Atlas"), new TeamRow("B", "Borealis")],
            [
                Sprint("A1", "A", "2026-01-05 09:00", "2026-01-16 17:00", "2026-01-16 17:00"),
                Sprint("A2", "A", "2026-01-19 09:00", "2026-01-30 17:00", "2026-01-30 17:00"),
                Sprint("A3", "A", "2026-02-02 09:00", "2026-02-13 17:00", "2026-02-16 08:00"),
                Sprint("A4", "A", "2026-02-16 09:00", "2026-02-27 17:00", "2026-02-27 17:00"),
                Sprint("A5", "A", "2026-03-02 09:00", "2026-03-13 17:00", "2026-03-13 17:00"),
                Sprint("A6", "A", "2026-03-16 09:00", "2026-03-27 17:00", "2026-03-27 17:00"),
                Sprint("A7", "A", "2026-03-30 09:00", "2026-04-10 17:00", "2026-04-10 17:00"),
                Sprint("A8", "A", "2026-04-13 09:00", "2026-04-24 17:00", null, "active"),
                Sprint("B1", "B", "2026-03-02 09:00", "2026-03-13 17:00", "2026-03-13 17:00"),
                Sprint("B2", "B", "2026-03-16 09:00", "2026-03-27 17:00", "2026-03-27 17:00"),
            ],
            issues,
            [
                In("A1", "A-1"), In("A1", "A-2"), In("A1", "A-3", added: "2026-01-07 10:00"),

                In("A2", "A-3", added: "2026-01-16 17:00"), In("A2", "A-4"), In("A2", "A-5"), In("A2", "A-6", atStart: 3, atEnd: 3),
                In("A2", "A-7", added: "2026-01-21 09:00"),

                In("A3", "A-6", added: "2026-01-30 17:00", atStart: 3, atEnd: 5), In("A3", "A-8"),
                In("A3", "A-9", removed: "2026-02-09 12:00"), In("A3", "A-10"),

                In("A4", "A-11", removed: "2026-02-18 12:00"), In("A4", "A-11", added: "2026-02-20 10:00"),
                In("A4", "A-12", added: "2026-02-13 10:00"), In("A4", "A-13", added: "2026-02-16 11:00"), In("A4", "A-14"), In("A4", "A-15"),

                In("A5", "A-15", added: "2026-02-27 17:00"), In("A5", "A-16"), In("A5", "A-17"), In("A5", "A-18"), In("A5", "A-100"),

                In("A6", "A-18", added: "2026-03-13 17:00"), In("A6", "A-20", outcome: "completed"), In("A6", "A-21"),
                In("A6", "A-22", added: "2026-03-17 10:00"), In("A6", "A-23"), In("A6", "A-24"),

                In("A7", "A-25"), In("A7", "A-26"), In("A7", "A-27", atStart: 2, atEnd: 1), In("A7", "A-28"),
                In("A7", "A-29", removed: "2026-04-06 10:00"),

                In("A8", "A-26", added: "2026-04-10 17:00"), In("A8", "A-30"), In("A8", "A-31"), In("A8", "A-32"),
                In("A8", "A-33", added: "2026-04-15 12:00", atStart: 2, atEnd: 3), In("A8", "A-34"), In("A8", "A-35"),

                In("B1", "B-1"), In("B1", "B-2"), In("B1", "B-3"),
                In("B2", "B-4", added: "2026-03-16 11:00"), In("B2", "B-5", added: "2026-03-17 09:00"),
            ],
            transitions,
            [
                new BlockRow("A-4", T("2026-01-21 10:00"), T("2026-01-22 16:00")),
                new BlockRow("A-17", T("2026-03-03 09:00"), T("2026-03-04 09:00")),
                new BlockRow("A-17", T("2026-03-03 21:00"), T("2026-03-05 09:00")),
                new BlockRow("A-26", T("2026-04-08 09:00"), null),
                new BlockRow("A-26", T("2026-04-09 09:00"), T("2026-04-10 09:00")),
                new BlockRow("A-28", T("2026-03-27 09:00"), T("2026-03-31 09:00")),
            ],
            [
                new CommentRow("A-16", "ann", T("2026-03-03 10:00")),
                new CommentRow("A-16", "bob", T("2026-03-07 11:00")),
                new CommentRow("A-17", "cat", T("2026-03-04 12:00")),
                new CommentRow("A-26", "ann", T("2026-04-14 10:00")),
                new CommentRow("A-30", "dan", T("2026-04-20 10:00")),
                new CommentRow("A-34", "dan", T("2026-04-16 12:00")),
                new CommentRow("B-1", "fay", T("2026-03-05 09:00")),
            ]);
    }
}
