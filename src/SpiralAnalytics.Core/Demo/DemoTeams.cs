namespace SpiralAnalytics.Core.Demo;

/// <summary>
/// How a demo team works. Values named First/Last drift linearly from the team's oldest sprint to its newest,
/// which is how a trend (growing blocked time, a rising reopen rate) becomes visible in the views.
/// </summary>
public sealed record DemoTeamTraits(
    int Workers,
    double CommitFactor,
    double AdditionsPerSprint,
    double AdditionBugShare,
    double RemovalsPerSprint,
    double ReestimateShare,
    double BugShare,
    double ReopenFirst,
    double ReopenLast,
    double BlockFirst,
    double BlockLast,
    double BlockHoursFirst,
    double BlockHoursLast)
{
    /// <summary>Chance that an issue reaching done is reopened in the same sprint, at <paramref name="progress"/> (0 oldest sprint, 1 newest).</summary>
    public double ReopenChance(double progress) => Lerp(ReopenFirst, ReopenLast, progress);

    /// <summary>Chance that an issue gets blocked while in progress.</summary>
    public double BlockChance(double progress) => Lerp(BlockFirst, BlockLast, progress);

    /// <summary>Typical length of a block, in hours.</summary>
    public double BlockHours(double progress) => Lerp(BlockHoursFirst, BlockHoursLast, progress);

    private static double Lerp(double first, double last, double progress) => first + (last - first) * progress;
}

/// <summary>One demo team: its Jira project key, name, what it shows, its people (the first <c>Workers</c> do the work) and traits.</summary>
public sealed record DemoTeam(string Key, string Name, string Behaviour, IReadOnlyList<string> People, string ProductOwner, DemoTeamTraits Traits);

/// <summary>The demo teams, each with a behaviour the analytics should bring out.</summary>
public static class DemoTeams
{
    public static readonly DemoTeam Atlas = new(
        "ATL", "Atlas", "steady: commits below capacity and finishes what it commits",
        ["Amara Okafor", "Ben Hoffmann", "Chen Wei", "Dana Kowalski", "Elif Yilmaz", "Farid Haddad"], "Grace Lindqvist",
        new DemoTeamTraits(Workers: 5, CommitFactor: 0.85, AdditionsPerSprint: 2, AdditionBugShare: 0.5, RemovalsPerSprint: 1,
            ReestimateShare: 0.08, BugShare: 0.12, ReopenFirst: 0.03, ReopenLast: 0.03, BlockFirst: 0.06, BlockLast: 0.06,
            BlockHoursFirst: 10, BlockHoursLast: 10));

    public static readonly DemoTeam Phoenix = new(
        "PHX", "Phoenix", "over-commits every sprint: high spillover and carry-over",
        ["Hiro Tanaka", "Ines Moreau", "Jonas Berg", "Kavya Nair", "Liam O'Brien", "Maya Cohen", "Nico Rossi"], "Olga Petrova",
        new DemoTeamTraits(Workers: 6, CommitFactor: 1.45, AdditionsPerSprint: 3, AdditionBugShare: 0.5, RemovalsPerSprint: 2,
            ReestimateShare: 0.12, BugShare: 0.14, ReopenFirst: 0.04, ReopenLast: 0.04, BlockFirst: 0.08, BlockLast: 0.08,
            BlockHoursFirst: 12, BlockHoursLast: 12));

    public static readonly DemoTeam Orion = new(
        "ORI", "Orion", "blocked time grows sprint after sprint (dependencies on other teams)",
        ["Pablo Diaz", "Qin Yu", "Rosa Alvarez", "Sami Virtanen", "Tara Singh", "Umar Sheikh"], "Vera Novak",
        new DemoTeamTraits(Workers: 5, CommitFactor: 0.9, AdditionsPerSprint: 2, AdditionBugShare: 0.5, RemovalsPerSprint: 1,
            ReestimateShare: 0.08, BugShare: 0.12, ReopenFirst: 0.03, ReopenLast: 0.03, BlockFirst: 0.04, BlockLast: 0.45,
            BlockHoursFirst: 8, BlockHoursLast: 48));

    public static readonly DemoTeam Nova = new(
        "NOV", "Nova", "its reopen rate rises over time (quality slipping)",
        ["Wanda Kim", "Xavier Dubois", "Yara Haddad", "Zoe Fischer", "Adrian Popescu", "Bianca Costa"], "Carl Jensen",
        new DemoTeamTraits(Workers: 5, CommitFactor: 0.9, AdditionsPerSprint: 2, AdditionBugShare: 0.6, RemovalsPerSprint: 1,
            ReestimateShare: 0.08, BugShare: 0.15, ReopenFirst: 0.02, ReopenLast: 0.32, BlockFirst: 0.06, BlockLast: 0.06,
            BlockHoursFirst: 10, BlockHoursLast: 10));

    public static readonly DemoTeam Vega = new(
        "VEG", "Vega", "steady-ish, but a lot of unplanned work (bugs) arrives mid-sprint",
        ["Diego Santos", "Emma Larsen", "Felix Wagner", "Hana Sato", "Ivan Horvat"], "Julia Meyer",
        new DemoTeamTraits(Workers: 4, CommitFactor: 0.7, AdditionsPerSprint: 7, AdditionBugShare: 0.7, RemovalsPerSprint: 1,
            ReestimateShare: 0.08, BugShare: 0.18, ReopenFirst: 0.04, ReopenLast: 0.04, BlockFirst: 0.07, BlockLast: 0.07,
            BlockHoursFirst: 12, BlockHoursLast: 12));

    public static readonly IReadOnlyList<DemoTeam> All = [Atlas, Phoenix, Orion, Nova, Vega];
}
