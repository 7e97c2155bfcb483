using SpiralAnalytics.Core.Bundles;

namespace SpiralAnalytics.Core.Demo;

/// <summary>
/// Generates realistic, deterministic demo data as a <see cref="CsvBundle"/>: teams with distinct behaviours, two-week
/// sprints with scope added, removed and re-estimated, issues that move To Do → In Progress → In Review → Done (with
/// reopens, blocks and comments), bugs, epics, and an active sprint on <see cref="DemoOptions.Today"/>.
/// <c>committed</c> and <c>outcome</c> are left empty, so the views derive them from the transitions.
/// </summary>
public static class DemoGenerator
{
    public static CsvBundle Generate(DemoOptions options)
    {
        options.Validate();
        var teams = new DemoRows[options.Teams];
        // Each team has its own random stream, so teams can be simulated in parallel and the bundle stays the same.
        Parallel.For(0, options.Teams, i =>
        {
            var rows = new DemoRows();
            new TeamSimulation(DemoTeams.All[i], options.SprintsOfTeam(i), new Random(TeamSeed(options.Seed, i)), options.Today, rows).Run();
            teams[i] = rows;
        });

        return new CsvBundle(
            Concat(teams, t => t.Teams), Concat(teams, t => t.Sprints), Concat(teams, t => t.Issues), Concat(teams, t => t.Memberships),
            Concat(teams, t => t.Transitions), Concat(teams, t => t.Blocks), Concat(teams, t => t.Comments));
    }

    /// <summary>A seed per team, well mixed (SplitMix64) so that neighbouring seeds give unrelated teams.</summary>
    internal static int TeamSeed(int seed, int team)
    {
        var z = ((ulong)(uint)seed << 8 | (uint)team) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFF_FFFF);
    }

    private static List<T> Concat<T>(DemoRows[] teams, Func<DemoRows, List<T>> rows)
    {
        var all = new List<T>(teams.Sum(t => rows(t).Count));
        foreach (var team in teams)
        {
            all.AddRange(rows(team));
        }

        return all;
    }
}

/// <summary>The rows one team's simulation writes.</summary>
internal sealed class DemoRows
{
    public List<TeamRow> Teams { get; } = [];

    public List<SprintRow> Sprints { get; } = [];

    public List<IssueRow> Issues { get; } = [];

    public List<MembershipRow> Memberships { get; } = [];

    public List<TransitionRow> Transitions { get; } = [];

    public List<BlockRow> Blocks { get; } = [];

    public List<CommentRow> Comments { get; } = [];
}
