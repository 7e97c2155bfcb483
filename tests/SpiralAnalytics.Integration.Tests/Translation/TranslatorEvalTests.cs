using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Core.Demo;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Core.Translation.Offline;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Demo;
using SpiralAnalytics.Infrastructure.Translation;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Translation;

/// <summary>
/// The offline translator over translator-eval.jsonl (the original set, written with the grammar) and
/// translator-eval-independent.jsonl, translator-eval-blind3.jsonl and translator-eval-blind4.jsonl (paraphrases written blind, without reading the translator or the
/// other sets), through the real context loader (catalog search over pgvector, the
/// tenants' own values): a demo tenant and the jira-sprint-reports tenant. The report (accuracy and every miss) is written
/// to $SPIRAL_EVAL_REPORT (default: the temp folder) for scripts/eval/translator.
/// </summary>
public sealed class TranslatorEvalTests(PostgresServer server, ITestOutputHelper output)
{
    private const double Required = 0.90;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record EvalCase(string Id, string Tenant, DateTimeOffset AsOf, string Question, AnalyticsSpec? Previous, AnalyticsSpec? Expected, bool Clarify, bool Holdout, string Tags, string Group);

    private sealed record Tenants(TestDatabase Db, string Demo, string Jira);

    /// <summary>The evaluation files and the group each one reports as.</summary>
    private static readonly (string File, string Group)[] Files =
    [
        ("translator-eval.jsonl", "original"),
        ("translator-eval-independent.jsonl", "independent"),
        ("translator-eval-blind3.jsonl", "blind3"),
        ("translator-eval-blind4.jsonl", "blind4"),
    ];

    public static IReadOnlyList<EvalCase> Cases() => Files.SelectMany(f => Cases(f.File, f.Group)).ToList();

    private static IEnumerable<EvalCase> Cases(string file, string group)
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "SpiralAnalytics.Integration.Tests", "Translation", file);
        return File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(line =>
        {
            var node = JsonNode.Parse(line)!.AsObject();
            AnalyticsSpec? Spec(string key) => node[key] is { } s ? SpecJson.Parse(s.ToJsonString()).Spec ?? throw new InvalidDataException($"{line}: bad {key}") : null;
            return new EvalCase(node["id"]!.GetValue<string>(), node["tenant"]!.GetValue<string>(),
                DateTimeOffset.Parse(node["as_of"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                node["question"]!.GetValue<string>(), Spec("previous"), Spec("expected"),
                node["clarification"]?.GetValue<bool>() ?? false, node["holdout"]?.GetValue<bool>() ?? false, node["tags"]?.GetValue<string>() ?? "",
                node["group"]?.GetValue<string>() ?? group);
        }).ToList();
    }

    private Task<Tenants> TenantsAsync() => server.OnceAsync("translation:tenants", async () =>
    {
        var db = await server.DatabaseAsync(nameof(TranslatorEvalTests));
        var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
        Assert.True(catalog.ExitCode == 0, catalog.Error);
        var demo = TestData.NewSlug("trdemo");
        var jira = TestData.NewSlug("trjira");
        using var host = Host(db);
        // translation reads base tables only (values) and the catalog: no view refresh needed
        await host.Services.GetRequiredService<DemoSeeder>().SeedAsync(demo, DemoOptions.ForToday(new DateOnly(2026, 3, 2), sprints: 40), null, Ct);
        await TestData.CreateTenantAsync(db, jira);
        await host.Services.GetRequiredService<BundleImporter>().ImportAsync(RepoPaths.JiraSprintReports, jira, Ct);
        return new Tenants(db, demo, jira);
    });

    private static IHost Host(TestDatabase db) => db.BuildHost(b =>
    {
        b.AddSpiralCatalog();
        b.AddSpiralQueries();
        b.AddSpiralTranslation();
    });

    [Fact]
    public async Task Offline_translator_answers_at_least_ninety_percent_of_the_evaluation_set_exactly()
    {
        var tenants = await TenantsAsync();
        using var host = Host(tenants.Db);
        var loader = host.Services.GetRequiredService<TranslationContextLoader>();
        var translator = new OfflineTranslator();
        var cases = Cases();
        var misses = new List<(EvalCase Case, string Got)>();
        var invalid = new List<string>();
        var thrown = new List<string>();
        foreach (var c in cases)
        {
            var request = new TranslationRequest(c.Question, c.AsOf, c.Previous);
            string got;
            try
            {
                var context = await loader.LoadAsync(c.Tenant == "demo" ? tenants.Demo : tenants.Jira, request, Ct);
                var outcome = await translator.TranslateAsync(request, context, Ct);
                if (outcome.Spec is { } spec)
                {
                    got = SpecJson.Write(spec);
                    var errors = new SpecValidator(context.Catalog, context.Values).Errors(spec);
                    if (errors.Count > 0)
                    {
                        invalid.Add($"{c.Id} {c.Question}: {string.Join("; ", errors)}");
                    }
                }
                else
                {
                    Assert.NotNull(outcome.Clarification);
                    Assert.InRange(outcome.Clarification.Options.Count, 2, 4);
                    got = "clarification: " + outcome.Clarification.Reason;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                thrown.Add($"{c.Id} {c.Question}: {e.GetType().Name}: {e.Message}");
                got = "exception: " + e.Message;
            }

            var right = c.Clarify ? got.StartsWith("clarification", StringComparison.Ordinal) : got == SpecJson.Write(c.Expected!);
            if (!right)
            {
                misses.Add((c, got));
            }
        }

        var report = Report(cases, misses);
        output.WriteLine(report);
        await File.WriteAllTextAsync(Environment.GetEnvironmentVariable("SPIRAL_EVAL_REPORT") is { Length: > 0 } p ? p : Path.Combine(Path.GetTempPath(), "spiral-translator-eval.txt"), report, Ct);
        Assert.Empty(thrown);
        Assert.Empty(invalid);
        var accuracy = 1.0 - (double)misses.Count / cases.Count;
        Assert.True(accuracy >= Required, $"accuracy {accuracy:P1} < {Required:P0}\n{report}");
    }

    [Fact]
    public async Task Every_clarification_option_is_a_question_the_offline_translator_answers_with_a_spec()
    {
        var tenants = await TenantsAsync();
        using var host = Host(tenants.Db);
        var loader = host.Services.GetRequiredService<TranslationContextLoader>();
        var translator = new OfflineTranslator();
        var checkedOptions = 0;
        foreach (var c in Cases().Where(c => c.Clarify))
        {
            var slug = c.Tenant == "demo" ? tenants.Demo : tenants.Jira;
            var request = new TranslationRequest(c.Question, c.AsOf, c.Previous);
            var outcome = await translator.TranslateAsync(request, await loader.LoadAsync(slug, request, Ct), Ct);
            Assert.True(outcome.Clarification is not null, $"{c.Id} {c.Question}: expected a clarification");
            foreach (var option in outcome.Clarification.Options)
            {
                var next = new TranslationRequest(option.Question, c.AsOf, c.Previous);
                var context = await loader.LoadAsync(slug, next, Ct);
                var answer = await translator.TranslateAsync(next, context, Ct);
                Assert.True(answer.Spec is not null, $"{c.Id} option '{option.Question}' did not give a spec: {answer.Clarification?.Reason}");
                Assert.Empty(new SpecValidator(context.Catalog, context.Values).Errors(answer.Spec));
                checkedOptions++;
            }
        }

        Assert.True(checkedOptions >= 20, $"only {checkedOptions} options checked");
    }

    [Fact]
    public async Task Cli_translate_file_writes_one_json_object_per_line_and_a_bad_line_never_stops_the_batch()
    {
        var tenants = await TenantsAsync();
        var file = Path.Combine(Directory.CreateTempSubdirectory("spiral-translate-").FullName, "questions.txt");
        await File.WriteAllLinesAsync(file, ["velocity by team last sprint", "   ", "what is our revenue?", "'; DROP TABLE teams; --", "spillover for Atlas"], Ct);
        var run = await TestData.CliAsync(tenants.Db, "translate", "--file", file, "--tenant", tenants.Demo, "--as-of", "2026-03-01");
        Assert.True(run.ExitCode == 0, run.Error);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":1}}""", lines[0]["spec"]!.ToJsonString());
        Assert.NotNull(lines[1]["clarification"]);
        Assert.NotNull(lines[2]["clarification"]);
        Assert.Equal("Atlas", lines[3]["spec"]!["filters"]![0]!["values"]![0]!.GetValue<string>());

        var unknown = await TestData.CliAsync(tenants.Db, "translate", "velocity", "--tenant", "no-such-tenant-xyz");
        Assert.Equal(1, unknown.ExitCode);
        var usage = await TestData.CliAsync(tenants.Db, "translate", "--tenant", tenants.Demo);
        Assert.Equal(2, usage.ExitCode);
    }

    private static string Report(IReadOnlyList<EvalCase> cases, List<(EvalCase Case, string Got)> misses)
    {
        var hideHoldout = Environment.GetEnvironmentVariable("SPIRAL_EVAL_HIDE_HOLDOUT") == "1";
        var builder = new StringBuilder();
        string Line(string name, Func<EvalCase, bool> include)
        {
            var total = cases.Count(include);
            var missed = misses.Count(m => include(m.Case));
            return string.Create(CultureInfo.InvariantCulture, $"{name}: {total - missed}/{total} = {(total == 0 ? 0 : 100.0 * (total - missed) / total):0.0}%");
        }

        builder.AppendLine(Line("overall", _ => true));
        foreach (var (_, group) in Files)
        {
            builder.AppendLine(Line(group, c => c.Group == group));
        }

        builder.AppendLine(Line("tuning", c => !c.Holdout));
        builder.AppendLine(Line("held-out", c => c.Holdout));
        builder.AppendLine(Line("demo tenant", c => c.Tenant == "demo"));
        builder.AppendLine(Line("jira tenant", c => c.Tenant == "jira"));
        foreach (var (c, got) in misses.Where(m => !hideHoldout || !m.Case.Holdout))
        {
            builder.AppendLine(CultureInfo.InvariantCulture, $"MISS {c.Id} ({c.Group}){(c.Holdout ? " (held-out)" : "")} [{c.Tags}] {c.Question}");
            if (c.Previous is not null)
            {
                builder.AppendLine(CultureInfo.InvariantCulture, $"  previous: {SpecJson.Write(c.Previous)}");
            }

            builder.AppendLine(CultureInfo.InvariantCulture, $"  expected: {(c.Clarify ? "clarification" : SpecJson.Write(c.Expected!))}");
            builder.AppendLine(CultureInfo.InvariantCulture, $"  got:      {got}");
        }

        if (hideHoldout)
        {
            builder.AppendLine(CultureInfo.InvariantCulture, $"({misses.Count(m => m.Case.Holdout)} held-out misses hidden)");
        }

        return builder.ToString();
    }
}
