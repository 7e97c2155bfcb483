using System.Text.Json.Nodes;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Ask;

/// <summary><c>spiral ask</c>: the same pipeline in process, with the offline translator, writing the same job row.</summary>
public sealed class AskCliTests(PostgresServer server)
{
    [Fact]
    public async Task Spiral_ask_prints_the_stages_on_stderr_and_the_result_object_on_stdout()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(AskCliTests));
        var run = await TestData.CliAsync(seeded.Db, "ask", "velocity by team in the last 3 sprints", "--tenant", seeded.Slug, "--as-of", "2024-04-25", "--json");
        Assert.True(run.ExitCode == 0, run.Error + run.Out);
        foreach (var stage in new[] { "queued", "translating", "validating", "planning", "executing", "completed" })
        {
            Assert.Contains(stage, run.Error, StringComparison.Ordinal);
        }

        var result = JsonNode.Parse(run.Out)!.AsObject();
        Assert.Equal("velocity by team in the last 3 sprints", (string)result["question"]!);
        Assert.Equal("miss", (string)result["cache"]!);
        Assert.NotNull(result["timings_ms"]!["translate"]);
        var expected = await AskApiTests.SpiralQueryAsync(seeded, result["spec"]!.ToJsonString());
        AskApiTests.AssertSameAnswer(expected, result);

        var again = await TestData.CliAsync(seeded.Db, "ask", "velocity by team in the last 3 sprints", "--tenant", seeded.Slug, "--as-of", "2024-04-25", "--json");
        Assert.Equal("hit", (string)JsonNode.Parse(again.Out)!["cache"]!);
        Assert.Equal(2L, await TestData.OwnerCountAsync(seeded.Db, "analytics_jobs", seeded.TenantId));
    }
}
