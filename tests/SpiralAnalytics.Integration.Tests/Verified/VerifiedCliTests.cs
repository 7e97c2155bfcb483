using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Verified;

/// <summary>
/// <c>spiral verified add|list|check|remove</c> and <c>spiral ask</c> with the offline translator, on a database of its own:
/// the test bumps a metric to a new major version, which <c>check</c> must report and the pipeline must stop answering from.
/// </summary>
public sealed class VerifiedCliTests(PostgresServer server)
{
    private const string AsOf = "2024-04-25";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Verified_questions_round_trip_through_the_cli_and_check_reports_drift_after_a_major_version_bump()
    {
        var seeded = await QueryFixture.SeededAsync(server, nameof(VerifiedCliTests));
        const string velocity = "velocity by team in the last 3 sprints";
        const string spillover = "spillover by team in the last 3 sprints";

        // verify the translator's own reading of one question, and a corrected reading of another
        var reading = await CliAsync(seeded, 0, "translate", velocity, "--tenant", seeded.Slug, "--as-of", AsOf, "--json");
        var velocitySpec = JsonNode.Parse(reading.Out)!["spec"]!.ToJsonString();
        Assert.Contains("\"velocity\"", velocitySpec, StringComparison.Ordinal);
        var added = await CliAsync(seeded, 0, "verified", "add", velocity, "--spec", SpecFile(velocitySpec), "--tenant", seeded.Slug, "--user", "ada", "--json");
        var velocityId = (string)JsonNode.Parse(added.Out)!["id"]!;
        var corrected = """{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"sort":[{"by":"spillover_ratio","dir":"desc"}],"limit":2}""";
        var second = await CliWithInputAsync(seeded, 0, corrected, "verified", "add", spillover, "--spec", "-", "--tenant", seeded.Slug);
        Assert.StartsWith("verified ", second.Out, StringComparison.Ordinal);

        var list = JsonNode.Parse((await CliAsync(seeded, 0, "verified", "list", "--tenant", seeded.Slug, "--json")).Out)!.AsArray();
        Assert.Equal([spillover, velocity], list.Select(p => (string)p!["question"]!).Order(StringComparer.Ordinal));
        Assert.All(list, p => Assert.Equal("verified", (string)p!["state"]!));
        Assert.Equal("ada", (string)list.Single(p => (string)p!["id"]! == velocityId)!["verified_by"]!);

        // nothing drifted: one pair matches the translator, the other still corrects it as when it was verified
        var check = await CliAsync(seeded, 0, "verified", "check", "--tenant", seeded.Slug, "--as-of", AsOf);
        Assert.Contains($"ok        {velocityId}", check.Out, StringComparison.Ordinal);
        Assert.Contains("overrides", check.Out, StringComparison.Ordinal);
        Assert.Contains("2 verified question(s) checked: 0 drifted", check.Out, StringComparison.Ordinal);

        // asked again (worded a little differently), the question is answered with the verified spec, in plain words
        var ask = await CliAsync(seeded, 0, "ask", "Velocity by team, in the last 3 sprints?", "--tenant", seeded.Slug, "--as-of", AsOf, "--json");
        var result = JsonNode.Parse(ask.Out)!;
        Assert.Equal(velocityId, (string)result["verified"]!["id"]!);
        Assert.Equal("exact", (string)result["verified"]!["match"]!);
        Assert.Equal("velocity per team, each team's last 3 closed sprints", (string)result["understood"]!);
        var text = await CliAsync(seeded, 0, "ask", spillover, "--tenant", seeded.Slug, "--as-of", AsOf);
        var lines = text.Out.Split('\n');
        Assert.Equal("I read this as: spillover ratio per team, each team's last 3 closed sprints, top 2 by spillover ratio", lines[0]);
        Assert.Equal($"verified: the spec of the verified question \"{spillover}\"", lines[1]);
        Assert.Matches(@"^[A-Z][a-z]+ had the highest spillover ratio: [0-9.]+% \(top 2 shown\)\.$", lines[2]);

        // velocity gets a new major version: its verified pair is reported, and no longer answers
        using (var host = QueryFixture.Host(seeded.Db))
        {
            var yaml = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "catalog", "velocity.yaml"), Ct);
            var bumped = yaml.Replace("version: 1.0.0", "version: 2.0.0", StringComparison.Ordinal)
                .Replace("How much the team delivers", "How much the team delivers (now counting sub-tasks)", StringComparison.Ordinal);
            Assert.NotEqual(yaml, bumped);
            await host.Services.GetRequiredService<CatalogEditor>().UpdateAsync("velocity", bumped, Ct);
        }

        var drift = await CliAsync(seeded, 1, "verified", "check", "--tenant", seeded.Slug, "--as-of", AsOf);
        Assert.Contains($"invalid   {velocityId}", drift.Out, StringComparison.Ordinal);
        Assert.Contains("metric 'velocity' changed from version 1.0.0 to 2.0.0 (a new major version)", drift.Out, StringComparison.Ordinal);
        Assert.Contains("2 verified question(s) checked: 1 drifted", drift.Out, StringComparison.Ordinal);
        var report = JsonNode.Parse((await CliAsync(seeded, 1, "verified", "check", "--tenant", seeded.Slug, "--as-of", AsOf, "--json")).Out)!;
        Assert.Equal(1, (int)report["drifted"]!);
        Assert.Equal("invalid", (string)report["items"]!.AsArray().Single(i => (string)i!["id"]! == velocityId)!["status"]!);
        var after = JsonNode.Parse((await CliAsync(seeded, 0, "ask", velocity, "--tenant", seeded.Slug, "--as-of", AsOf, "--json")).Out)!;
        Assert.Null(after["verified"]);
        Assert.Equal("2.0.0", (string)after["metric_versions"]!["velocity"]!);

        // re-verifying records today's version and clears the drift; removing leaves one pair
        await CliAsync(seeded, 0, "verified", "add", velocity, "--spec", SpecFile(velocitySpec), "--tenant", seeded.Slug);
        Assert.Contains("0 drifted", (await CliAsync(seeded, 0, "verified", "check", "--tenant", seeded.Slug, "--as-of", AsOf)).Out, StringComparison.Ordinal);
        await CliAsync(seeded, 0, "verified", "remove", velocityId, "--tenant", seeded.Slug);
        Assert.Contains("1 pair(s): 1 verified, 0 proposed", (await CliAsync(seeded, 0, "verified", "list", "--tenant", seeded.Slug)).Out, StringComparison.Ordinal);
        var gone = await CliAsync(seeded, 1, "verified", "remove", velocityId, "--tenant", seeded.Slug);
        Assert.Contains("does not exist", gone.Error, StringComparison.Ordinal);
        await CliAsync(seeded, 2, "verified", "add", velocity, "--tenant", seeded.Slug);
        var invalid = await CliWithInputAsync(seeded, 1, """{"metrics":["velocity"],"filters":[{"dimension":"team","op":"eq","values":["Zeppelin"]}]}""",
            "verified", "add", "velocity of Zeppelin", "--spec", "-", "--tenant", seeded.Slug);
        Assert.Contains("filters[0].values[0]", invalid.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_follow_up_is_verified_only_with_its_question_in_full()
    {
        // the other tenant of the database, so the round-trip test's counts stay its own
        var seeded = await QueryFixture.SeededAsync(server, nameof(VerifiedCliTests));
        var conversation = Guid.NewGuid().ToString();
        await CliAsync(seeded, 0, "ask", "completed issues by team in the last 2 sprints", "--tenant", seeded.Other, "--as-of", AsOf, "--conversation", conversation);
        var followUp = await CliAsync(seeded, 0, "ask", "and for Phoenix?", "--tenant", seeded.Other, "--as-of", AsOf, "--conversation", conversation);
        var job = System.Text.RegularExpressions.Regex.Match(followUp.Out, "job ([0-9a-f-]{36})").Groups[1].Value;

        var refused = await CliAsync(seeded, 1, "verified", "add", "--job", job, "--tenant", seeded.Other);
        Assert.Contains("answered a follow-up (\"and for Phoenix?\") whose meaning depends on its conversation: give the question in full", refused.Error, StringComparison.Ordinal);
        var added = await CliAsync(seeded, 0, "verified", "add", "completed issues of Phoenix in the last 2 sprints", "--job", job, "--tenant", seeded.Other, "--json");
        var pair = JsonNode.Parse(added.Out)!;
        Assert.Equal("completed issues of Phoenix in the last 2 sprints", (string)pair["question"]!);
        Assert.Equal("Phoenix", (string)pair["spec"]!["filters"]![0]!["values"]![0]!);
        Assert.Equal(job, (string)pair["source_job_id"]!);
    }

    private static async Task<TestData.CliRun> CliAsync(QueryFixture.Seeded seeded, int exitCode, params string[] args) =>
        await CliAsync(seeded, exitCode, args, null);

    /// <summary>The CLI with <paramref name="stdin"/> as its standard input (for <c>--spec -</c>).</summary>
    private static async Task<TestData.CliRun> CliWithInputAsync(QueryFixture.Seeded seeded, int exitCode, string stdin, params string[] args) =>
        await CliAsync(seeded, exitCode, args, stdin);

    private static async Task<TestData.CliRun> CliAsync(QueryFixture.Seeded seeded, int exitCode, string[] args, string? stdin)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SpiralAnalytics.Cli.SpiralCli.RunAsync(args, stdout, stderr, seeded.Db.Configuration, Ct, stdin is null ? null : new StringReader(stdin));
        var run = new TestData.CliRun(code, stdout.ToString(), stderr.ToString());
        Assert.True(code == exitCode, $"spiral {string.Join(' ', args)}: exit {code}, expected {exitCode}\n{run.Out}\n{run.Error}");
        return run;
    }

    private static string SpecFile(string json)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("spiral-verified-").FullName, "spec.json");
        File.WriteAllText(path, json);
        return path;
    }
}
