using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Core.Demo;

/// <summary>
/// What <see cref="DemoGenerator"/> makes: the first <paramref name="Teams"/> of <see cref="DemoTeams.All"/>, <paramref name="Sprints"/>
/// sprints in all (shared out evenly, going back in time from each team's active sprint), from <paramref name="Seed"/>.
/// <paramref name="Today"/> anchors the timeline: the last sprint of every team is active on that day (UTC) and nothing
/// happens at or after its midnight. The same options always give the same bundle.
/// </summary>
public sealed record DemoOptions(int Teams, int Sprints, int Seed, DateOnly Today)
{
    public const int DefaultSprints = 130;
    public const int DefaultSeed = 42;

    /// <summary>About 40 issues a sprint: 50,000 sprints are two million issues, which is where memory becomes the limit.</summary>
    public const int MaxSprints = 50_000;

    public static DemoOptions ForToday(DateOnly today, int sprints = DefaultSprints, int seed = DefaultSeed) =>
        new(DemoTeams.All.Count, sprints, seed, today);

    /// <summary><see cref="UserErrorException"/> when the options cannot make a demo.</summary>
    public void Validate()
    {
        if (Teams < 1 || Teams > DemoTeams.All.Count)
        {
            throw new UserErrorException($"the number of demo teams must be between 1 and {DemoTeams.All.Count}; got {Teams}");
        }

        if (Sprints < Teams)
        {
            throw new UserErrorException($"--sprints must be at least {Teams} (one sprint per team), got {Sprints}");
        }

        if (Sprints > MaxSprints)
        {
            throw new UserErrorException($"--sprints must be at most {MaxSprints}, got {Sprints}");
        }
    }

    /// <summary>How many sprints team <paramref name="index"/> gets: an even share, the remainder to the first teams.</summary>
    public int SprintsOfTeam(int index) => Sprints / Teams + (index < Sprints % Teams ? 1 : 0);
}
