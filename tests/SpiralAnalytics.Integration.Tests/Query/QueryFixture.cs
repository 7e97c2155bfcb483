using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Query;

/// <summary>One database for the query tests: the shipped catalog and a seeded demo tenant (built once per run).</summary>
public static class QueryFixture
{
    /// <summary>Sprint 9 of every team is active at this instant; sprints 1-8 are closed.</summary>
    public static readonly DateTimeOffset AsOf = new(2024, 4, 25, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The seeded tenant, and <paramref name="Other"/>: a tenant with other data that must never show in its answers.</summary>
    public sealed record Seeded(TestDatabase Db, string Slug, Guid TenantId, string Other);

    public static Task<Seeded> SeededAsync(PostgresServer server) => SeededAsync(server, "QueryTests");

    /// <summary>The same seeded database under another name, for test classes that must not share one.</summary>
    public static Task<Seeded> SeededAsync(PostgresServer server, string database) =>
        server.OnceAsync("seeded:" + database, async () =>
        {
            var db = await server.DatabaseAsync(database);
            var ct = TestContext.Current.CancellationToken;
            var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
            Assert.True(catalog.ExitCode == 0, catalog.Error);
            var slug = TestData.NewSlug("demo");
            var id = await TestData.CreateTenantAsync(db, slug);
            var other = TestData.NewSlug("other");
            await TestData.CreateTenantAsync(db, other);
            using var host = Host(db);
            await host.Services.GetRequiredService<BundleImporter>().ImportAsync(DemoBundle.Write(42), slug, ct);
            await host.Services.GetRequiredService<BundleImporter>().ImportAsync(DemoBundle.Write(7), other, ct);
            await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, ct);
            return new Seeded(db, slug, id, other);
        });

    public static IHost Host(TestDatabase db, IReadOnlyDictionary<string, string?>? settings = null) => db.BuildHost(b =>
    {
        if (settings is not null)
        {
            Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(b.Configuration, settings);
        }

        b.AddSpiralCatalog();
        b.AddSpiralQueries();
    });

    public static QueryExecutor Executor(IHost host) => host.Services.GetRequiredService<QueryExecutor>();
}

/// <summary>
/// A small but non-trivial tenant: 3 teams × 9 two-week sprints from 2024-01-01 (the 9th active), issues of every type,
/// priority and assignee (some unassigned), committed and added, completed, spilled and removed, re-estimates, reopens,
/// blocks and comments. Outcomes and commitment are given (as Jira's sprint report gives them), so independent SQL over
/// the base tables can state each metric plainly. Two of Atlas's sprints share a name; every team has a "Sprint 1".
/// </summary>
public static class DemoBundle
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static string Write(int seed)
    {
        var random = new Random(seed);
        var teams = new List<TeamRow> { new("ATL", "Atlas"), new("PHX", "Phoenix"), new("ORI", "Orion") };
        var sprints = new List<SprintRow>();
        var issues = new List<IssueRow>();
        var memberships = new List<MembershipRow>();
        var transitions = new List<TransitionRow>();
        var blocks = new List<BlockRow>();
        var comments = new List<CommentRow>();
        string[] types = ["Story", "Story", "Bug", "Task"];
        string[] priorities = ["High", "Medium", "Low"];
        string?[] assignees = ["Ann", "Bob", "Cy", "Dee", null];
        decimal?[] points = [1, 2, 3, 5, 8, null];
        var n = 0;
        for (var t = 0; t < teams.Count; t++)
        {
            var team = teams[t];
            for (var k = 0; k < 9; k++)
            {
                var start = Start.AddDays(14 * k).AddHours(t);
                var end = start.AddDays(14);
                var active = k == 8;
                var sprintKey = $"{team.Key}-S{k + 1}";
                var name = team.Key == "ATL" && k == 5 ? "Sprint 5" : $"Sprint {k + 1}";
                sprints.Add(new SprintRow(sprintKey, team.Key, name, active ? "active" : "closed", start, end, active ? null : end, null));
                var count = 5 + random.Next(0, 4);
                for (var i = 0; i < count; i++)
                {
                    var key = $"{team.Key}-{++n}";
                    var type = types[random.Next(types.Length)];
                    var p = points[random.Next(points.Length)];
                    var created = start.AddDays(-random.Next(1, 20)).AddHours(random.Next(0, 24));
                    // Orion's first sprint commits to nothing: its ratios over committed points divide by zero
                    var committed = !(team.Key == "ORI" && k == 0) && random.Next(5) > 0;
                    var addedAt = committed ? (DateTimeOffset?)null : start.AddDays(random.Next(1, 6));
                    var roll = random.Next(20);
                    var outcome = active ? (roll < 6 ? "completed" : "not_completed") : roll < 12 ? "completed" : roll < 17 ? "not_completed" : "removed";
                    var pEnd = p is { } sp && random.Next(6) == 0 ? sp + 1 : p;
                    DateTimeOffset? resolved = null;
                    var category = "todo";
                    var progressAt = start.AddDays(1).AddHours(random.Next(0, 24));
                    if (outcome == "completed")
                    {
                        category = "done";
                        transitions.Add(new TransitionRow(key, progressAt, "To Do", "In Progress", "todo", "in_progress"));
                        var done = progressAt.AddDays(random.Next(1, 7)).AddHours(random.Next(0, 24));
                        transitions.Add(new TransitionRow(key, done, "In Progress", "Done", "in_progress", "done"));
                        if (random.Next(5) == 0)
                        {
                            transitions.Add(new TransitionRow(key, done.AddDays(1), "Done", "In Progress", "done", "in_progress"));
                            done = done.AddDays(2);
                            transitions.Add(new TransitionRow(key, done, "In Progress", "Done", "in_progress", "done"));
                        }

                        resolved = done;
                    }
                    else if (outcome == "not_completed")
                    {
                        category = "in_progress";
                        transitions.Add(new TransitionRow(key, progressAt, "To Do", "In Progress", "todo", "in_progress"));
                    }

                    issues.Add(new IssueRow(key, team.Key, type, priorities[random.Next(priorities.Length)],
                        category == "done" ? "Done" : category == "in_progress" ? "In Progress" : "To Do", category, null, p,
                        assignees[random.Next(assignees.Length)], random.Next(3) == 0 ? null : $"{team.Key}-EPIC-{random.Next(1, 3)}",
                        type == "Bug" && random.Next(2) == 0 ? ["production"] : [], created, resolved));
                    memberships.Add(new MembershipRow(sprintKey, key, addedAt, outcome == "removed" ? start.AddDays(6) : null, committed, outcome,
                        committed ? p : null, pEnd));
                    if (random.Next(6) == 0)
                    {
                        blocks.Add(new BlockRow(key, start.AddDays(2), start.AddDays(2 + random.Next(1, 4))));
                    }

                    for (var c = random.Next(0, 3); c > 0; c--)
                    {
                        comments.Add(new CommentRow(key, assignees[random.Next(4)], start.AddDays(random.Next(1, 13)).AddMinutes(c)));
                    }
                }
            }
        }

        var dir = Directory.CreateTempSubdirectory("spiral-demo-").FullName;
        CsvBundleWriter.Write(dir, new CsvBundle(teams, sprints, issues, memberships, transitions, blocks, comments));
        return dir;
    }
}
