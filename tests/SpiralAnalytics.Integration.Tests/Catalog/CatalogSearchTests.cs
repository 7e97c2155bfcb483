using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Catalog;

/// <summary>
/// Search quality through the real path (local embedder → pgvector cosine → match boost): every synonym, name and
/// display name finds its own metric first, and so do paraphrases that are none of those.
/// </summary>
public sealed class CatalogSearchTests(PostgresServer server)
{
    /// <summary>How team leads say it → the metric we mean. None of these is a synonym, name or display name.</summary>
    public static readonly TheoryData<string, string> Paraphrases = new()
    {
        // the three the issue names; "carry over work" is carried-over share, not spillover (see docs/catalog.md)
        { "carry over work", "carryover_ratio" },
        { "how much did we ship", "velocity" },
        { "tickets moved back from done", "reopened_count" },
        { "average points finished per sprint", "velocity" },
        { "how many stories did we get done in the sprint", "completed_issues" },
        { "how many new tickets were opened", "issues_created" },
        { "how many tickets did we close this month", "issues_closed" },
        { "are we closing tickets faster than they come in", "throughput_ratio" },
        { "typical time from ticket creation to resolution", "lead_time_p50" },
        { "how long do the slowest tickets take from creation to resolution", "lead_time_p90" },
        { "mean days from created to resolved", "lead_time_avg" },
        { "median time a ticket spends being worked on", "cycle_time_p50" },
        { "90th percentile of time spent in progress", "cycle_time_p90" },
        { "on average how long does work take once started", "cycle_time_avg" },
        { "points we committed to at sprint start", "planned_sp" },
        { "total story points completed across sprints", "completed_sp" },
        { "points added after the sprint began", "added_sp" },
        { "points pulled out of the sprint", "removed_sp" },
        { "did we deliver what we promised", "say_do_ratio" },
        { "what fraction of the final sprint scope got finished", "completion_rate" },
        { "committed work left unfinished at sprint end", "spillover_ratio" },
        { "how much extra work crept into the sprint", "scope_creep_ratio" },
        { "how much did the sprint scope keep changing", "scope_churn_ratio" },
        { "difference between planned and completed points", "accuracy_abs" },
        { "share of finished work that was never planned", "unplanned_work_share" },
        { "how many bugs were reported", "bug_count" },
        { "what portion of completed tickets were bug fixes", "bug_share" },
        { "defects that slipped through to prod", "escaped_defects" },
        { "percentage of done tickets that got reopened", "reopen_rate" },
        { "how much discussion happens on each ticket", "comments_per_issue" },
        { "hours lost waiting on blockers", "blocked_hours" },
        { "what fraction of sprint tickets got blocked", "blocked_issue_ratio" },
        { "how many things are we juggling at once", "wip" },
        { "tickets sitting untouched for days", "stuck_count" },
        { "in progress work nobody owns", "wip_no_assignee" },
        { "how much of in-progress time is actually active rather than blocked", "flow_efficiency" },
        { "committed tickets that have no estimate", "unestimated_ratio" },
        { "which sprints went badly overall", "sprint_problematic_score" },
    };

    private Task<TestDatabase> DatabaseAsync() => server.OnceAsync("catalog-search", () => CatalogFixture.ImportedAsync(server, "cat_search"));

    [Fact]
    public async Task Every_synonym_name_and_display_name_finds_its_own_metric_first()
    {
        var db = await DatabaseAsync();
        using var host = CatalogFixture.Host(db);
        var search = CatalogFixture.Service<CatalogSearch>(host);
        var catalog = CatalogLoader.Load(CatalogFixture.Folder).Catalog;
        var phrases = catalog.All
            .SelectMany(m => m.Synonyms.Append(m.DisplayName).Append(m.Name).Select(p => (Phrase: p, Metric: m.Name)))
            .ToList();

        var misses = new List<string>();
        foreach (var (phrase, metric) in phrases)
        {
            var result = await search.SearchAsync(phrase, 3, TestContext.Current.CancellationToken);
            if (result.Hits[0].Name != metric)
            {
                misses.Add($"'{phrase}' → {result.Hits[0].Name}, expected {metric}");
            }
        }

        Assert.Equal(catalog.All.Sum(m => m.Synonyms.Count + 2), phrases.Count);
        Assert.Empty(misses);
    }

    /// <summary>
    /// Each paraphrase finds its metric among the first three (what the translator's candidates and a clarification's options
    /// show), never by a name or synonym match.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paraphrases))]
    public async Task A_paraphrase_finds_the_intended_metric_in_the_top_three(string text, string metric)
    {
        var db = await DatabaseAsync();
        using var host = CatalogFixture.Host(db);

        var result = await CatalogFixture.Service<CatalogSearch>(host).SearchAsync(text, 3, TestContext.Current.CancellationToken);

        Assert.Contains(metric, result.Hits.Select(h => h.Name));
        Assert.All(result.Hits, h => Assert.Null(h.Match));
    }

    /// <summary>
    /// Rank 1 for at least 90% of the paraphrases (this set was written while tuning the hashed n-gram embedder, which has
    /// 100% here; the default MiniLM blend ranks better on the blind chat questions: README, "Catalog search").
    /// </summary>
    [Fact]
    public async Task Nine_paraphrases_in_ten_find_the_intended_metric_first()
    {
        var db = await DatabaseAsync();
        using var host = CatalogFixture.Host(db);
        var search = CatalogFixture.Service<CatalogSearch>(host);
        var misses = new List<string>();
        foreach (var row in Paraphrases)
        {
            var (text, metric) = row.Data;
            var first = (await search.SearchAsync(text, 1, TestContext.Current.CancellationToken)).Hits[0].Name;
            if (first != metric)
            {
                misses.Add($"{text}: {first}, expected {metric}");
            }
        }

        Assert.True(misses.Count <= Paraphrases.Count / 10, string.Join("\n", misses));
    }

    [Fact]
    public void No_paraphrase_is_literally_a_synonym_name_or_display_name()
    {
        var catalog = CatalogLoader.Load(CatalogFixture.Folder).Catalog;

        Assert.All(Paraphrases, row => Assert.Null(catalog.FindByPhrase((string)row.Data.Item1)));
        Assert.True(Paraphrases.Count >= 28);
    }

    [Fact]
    public async Task Scores_rank_results_and_an_exact_synonym_scores_one()
    {
        var db = await DatabaseAsync();
        using var host = CatalogFixture.Host(db);

        var result = await CatalogFixture.Service<CatalogSearch>(host).SearchAsync("Planning Accuracy", 5, TestContext.Current.CancellationToken);

        Assert.Equal("onnx-all-MiniLM-L6-v2@384", result.EmbedderId);
        Assert.Equal(5, result.Hits.Count);
        Assert.Equal(("say_do_ratio", 1.0, "planning accuracy"), (result.Hits[0].Name, result.Hits[0].Score, result.Hits[0].Match));
        Assert.Equal([1, 2, 3, 4, 5], result.Hits.Select(h => h.Rank));
        Assert.Equal(result.Hits.Select(h => h.Score).OrderDescending(), result.Hits.Select(h => h.Score));
        Assert.All(result.Hits.Skip(1), h => Assert.InRange(h.Score, -1, 0.999));
        Assert.Contains("accuracy_abs", result.Hits.Take(3).Select(h => h.Name));
    }

    [Fact]
    public async Task Search_from_the_cli_prints_a_table_or_json()
    {
        var db = await DatabaseAsync();

        var table = await TestData.CliAsync(db, "catalog", "search", "carry over work", "--top", "3");
        var json = await TestData.CliAsync(db, "catalog", "search", "carryover", "--top", "2", "--json");
        var badTop = await TestData.CliAsync(db, "catalog", "search", "x", "--top", "0");
        var empty = await TestData.CliAsync(db, "catalog", "search", "  ?! ");

        Assert.Equal(0, table.ExitCode);
        var lines = table.Out.TrimEnd().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^RANK\s+SCORE\s+METRIC\s+DISPLAY NAME\s+MATCHED$", lines[0]);
        Assert.Matches(@"^1\s+0\.\d{3}\s+carryover_ratio\s+Carried-over share$", lines[1]);
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("\"query\": \"carryover\"", json.Out);
        Assert.Contains("\"name\": \"carryover_ratio\",", json.Out);
        Assert.Contains("\"match\": \"carryover\"", json.Out);
        Assert.Contains("\"score\": 1", json.Out);
        Assert.Equal(2, badTop.ExitCode);
        Assert.Contains("--top must be between 1 and 50", badTop.Error);
        Assert.Equal(1, empty.ExitCode);
    }
}
