using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Browser;

/// <summary>
/// The chat page in headless Chromium against the real API on a real Kestrel port, over this class's own database with
/// the shipped catalog and a seeded demo tenant. Screenshots of every step go to .local/test-results/screenshots/.
/// </summary>
public sealed class ChatPageBrowserTests(PostgresServer server)
{
    private const string AsOf = "2024-04-25T00:00:00Z";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Seeded(TestDatabase Db, string Slug);

    private Task<Seeded> SeededAsync() =>
        server.OnceAsync("chat-page:seeded", async () =>
        {
            var db = await server.DatabaseAsync(nameof(ChatPageBrowserTests));
            var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
            Assert.True(catalog.ExitCode == 0, catalog.Error);
            var slug = TestData.NewSlug("chat");
            await TestData.CreateTenantAsync(db, slug);
            using var host = QueryFixture.Host(db);
            await host.Services.GetRequiredService<BundleImporter>().ImportAsync(DemoBundle.Write(42), slug, Ct);
            await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
            return new Seeded(db, slug);
        });

    /// <summary>The API listening on a free loopback port, and its address.</summary>
    private static (ApiFactory Api, Uri BaseAddress) StartApi(TestDatabase db, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var api = new ApiFactory(db, settings);
        api.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        api.StartServer();
        var address = api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (api, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Lead_signs_in_asks_and_sees_the_answer_chart()
    {
        var seeded = await SeededAsync();
        var (api, baseAddress) = StartApi(seeded.Db);
        await using var _ = api;
        var token = api.Token(seeded.Slug, SpiralRoles.Lead, "lena");
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var browser = ChromeSession.Start(nameof(Lead_signs_in_asks_and_sees_the_answer_chart));
        try
        {
            // sign in by pasting the token
            browser.Driver.Navigate().GoToUrl(new Uri(baseAddress, $"/?as_of={AsOf}"));
            browser.WaitFor("#token");
            browser.Screenshot("sign-in");
            browser.Find("#token").SendKeys(token);
            browser.Find("#token").SendKeys(Keys.Enter);
            browser.WaitFor("#question");
            var who = browser.WaitFor("#who").Text;
            Assert.Contains("lena", who, StringComparison.Ordinal);
            Assert.Contains("lead", who, StringComparison.Ordinal);
            Assert.Equal(browser.Find("#question"), browser.Driver.SwitchTo().ActiveElement());
            browser.Screenshot("signed-in");

            // ask: the stages show as they come, then the table and the chart
            var first = Ask(browser, "spillover by team last 3 sprints", 1);
            var firstResult = await ResultOfAsync(http, first.JobId);
            AssertTableShows(browser, first, firstResult);
            Assert.Equal("bar", ChartKind(browser, first));
            Assert.NotEmpty(browser.FindAll($"{first.Css} svg.chart rect.bar"));
            Assert.Contains("Spillover ratio", Chip(browser, first, "metric"), StringComparison.Ordinal);
            Assert.Contains($"v{firstResult.GetProperty("metric_versions").GetProperty("spillover_ratio").GetString()}",
                Chip(browser, first, "metric"), StringComparison.Ordinal);
            Assert.Contains("team", Chip(browser, first, "group"), StringComparison.Ordinal);
            Assert.Contains("last 3 closed sprints", Chip(browser, first, "time"), StringComparison.Ordinal);

            // the SQL behind its toggle, feedback with labelled buttons
            browser.Find($"{first.Css} details.sql summary").Click();
            Assert.Contains("SELECT", browser.WaitFor($"{first.Css} details.sql pre").Text, StringComparison.OrdinalIgnoreCase);
            browser.Find($"{first.Css} button[aria-label='Good answer']").Click();
            browser.WaitFor("feedback saved", () => browser.Find($"{first.Css} .feedback-status").Text is { Length: > 0 } t ? t : null);
            Assert.Equal("true", browser.Find($"{first.Css} button[aria-label='Good answer']").GetAttribute("aria-pressed"));
            Assert.Contains("Thanks", browser.Find($"{first.Css} .feedback-status").Text, StringComparison.Ordinal);
            browser.Screenshot("sql-and-feedback");

            // a follow-up in the same conversation changes the spec: grouped by sprint it is a trend, drawn as a line
            var followUp = Ask(browser, "same by sprint", 2);
            Assert.Equal(first.ConversationId, followUp.ConversationId);
            var followUpResult = await ResultOfAsync(http, followUp.JobId);
            AssertTableShows(browser, followUp, followUpResult);
            Assert.Contains("sprint", Chip(browser, followUp, "group"), StringComparison.Ordinal);
            Assert.NotEqual(Chip(browser, first, "group"), Chip(browser, followUp, "group"));
            Assert.Equal("line", ChartKind(browser, followUp));
            Assert.NotEmpty(browser.FindAll($"{followUp.Css} svg.chart path"));

            // a question outside the catalog asks back; an option is asked in the same conversation and answered
            var unclear = Ask(browser, "what is our revenue?", 3, expect: "clarifying");
            Assert.Equal(first.ConversationId, unclear.ConversationId);
            var options = browser.FindAll($"{unclear.Css} button.option");
            Assert.NotEmpty(options);
            Assert.Equal(options[0], browser.Driver.SwitchTo().ActiveElement());
            browser.Screenshot("clarification");
            var chosen = options[0].GetAttribute("data-question")!;
            options[0].Click();
            var answered = AwaitTurn(browser, 4, "answered");
            Assert.Equal(chosen, browser.Find($"{answered.Css} .question-text").Text);
            Assert.Equal(first.ConversationId, answered.ConversationId);
            AssertTableShows(browser, answered, await ResultOfAsync(http, answered.JobId));
            browser.Screenshot("clarification-answered");

            // the conversation is listed once, marked current; reopened from the list it shows its four questions again
            var current = browser.WaitFor("#conversation-list [aria-current='true']");
            Assert.Equal(first.ConversationId, current.GetAttribute("data-conversation-id"));
            browser.Find("#new-conversation").Click();
            browser.WaitFor("an empty thread", () => browser.FindAll("#thread > li").Count == 0 ? "empty" : null);
            browser.Find($"#conversation-list [data-conversation-id='{first.ConversationId}']").Click();
            browser.WaitFor("the reopened conversation", () =>
                browser.FindAll("#thread > li.answered").Count == 3 && browser.FindAll("#thread > li.clarifying").Count == 1 ? "reopened" : null);
            Assert.Equal(firstResult.GetProperty("rows").GetArrayLength(), browser.FindAll("#thread > li:nth-child(1) table.result tbody tr").Count);
            Assert.Equal("line", browser.Find("#thread > li:nth-child(2) svg.chart").GetAttribute("data-kind"));
            browser.Screenshot("conversation-reopened");
        }
        catch
        {
            browser.Screenshot("failure");
            TestContext.Current.TestOutputHelper?.WriteLine("browser console:" + Environment.NewLine + browser.ConsoleLog());
            throw;
        }
    }

    [Fact]
    public async Task An_admin_verifies_an_answer_and_the_same_question_is_then_answered_as_verified_in_plain_words()
    {
        var seeded = await SeededAsync();
        var (api, baseAddress) = StartApi(seeded.Db);
        await using var _ = api;
        var token = api.Token(seeded.Slug, SpiralRoles.Admin, "ada");
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var browser = ChromeSession.Start(nameof(An_admin_verifies_an_answer_and_the_same_question_is_then_answered_as_verified_in_plain_words));
        const string question = "completed story points by team in the last 4 sprints";
        try
        {
            browser.Driver.Navigate().GoToUrl(new Uri(baseAddress, $"/?as_of={AsOf}"));
            browser.WaitFor("#token").SendKeys(token + Keys.Enter);
            browser.WaitFor("#question");

            // the answer reads the question back in plain words and leads with one sentence of its numbers
            var first = Ask(browser, question, 1);
            var firstResult = await ResultOfAsync(http, first.JobId);
            Assert.Equal($"I read this as: {firstResult.GetProperty("understood").GetString()}", browser.Find($"{first.Css} .understood").Text);
            Assert.Equal("I read this as: completed story points per team, each team's last 4 closed sprints", browser.Find($"{first.Css} .understood").Text);
            var summary = browser.Find($"{first.Css} .summary").Text;
            Assert.Equal(firstResult.GetProperty("summary").GetString(), summary);
            Assert.Matches(@"^(Atlas|Orion|Phoenix) had the most completed story points: ", summary);
            Assert.Contains("Completed story points", Chip(browser, first, "metric"), StringComparison.Ordinal);
            Assert.DoesNotContain("completed_sp", Chip(browser, first, "metric"), StringComparison.Ordinal);
            Assert.Empty(browser.FindAll($"{first.Css} .chips [data-chip='verified']"));

            // the admin verifies it from the answer
            browser.Find($"{first.Css} button.verify").Click();
            browser.WaitFor("the verification", () => browser.Find($"{first.Css} .verify-status").Text is { Length: > 0 } t && !t.EndsWith('…') ? t : null);
            Assert.StartsWith("Verified:", browser.Find($"{first.Css} .verify-status").Text, StringComparison.Ordinal);
            Assert.Equal("true", browser.Find($"{first.Css} button.verify").GetAttribute("aria-pressed"));
            browser.Screenshot("verified");

            // the same question again is answered with the verified spec, and says so
            var second = Ask(browser, question, 2);
            var chip = browser.WaitFor($"{second.Css} .chips [data-chip='verified']");
            Assert.Contains("Verified", chip.Text, StringComparison.Ordinal);
            var secondResult = await ResultOfAsync(http, second.JobId);
            Assert.Equal("exact", secondResult.GetProperty("verified").GetProperty("match").GetString());
            Assert.Equal(chip.GetAttribute("data-verified-id"), secondResult.GetProperty("verified").GetProperty("id").GetString());
            Assert.Equal(summary, browser.Find($"{second.Css} .summary").Text);
            browser.Screenshot("answered-as-verified");

            // a follow-up means something only in its conversation: the page asks for the question in full before verifying it
            var followUp = Ask(browser, "and for Orion?", 3);
            browser.Find($"{followUp.Css} button.verify").Click();
            var full = browser.WaitFor($"{followUp.Css} input.verify-question:not([hidden])");
            Assert.Contains("write the question in full", browser.Find($"{followUp.Css} .verify-status").Text, StringComparison.Ordinal);
            full.Clear();
            full.SendKeys("completed story points of Orion in the last 4 sprints" + Keys.Enter);
            browser.WaitFor("the follow-up's verification", () => browser.Find($"{followUp.Css} .verify-status").Text.StartsWith("Verified", StringComparison.Ordinal) ? "done" : null);
            browser.Screenshot("follow-up-verified");

            using var listed = await http.GetAsync("/api/v1/verified-questions?state=verified", Ct);
            using var pairs = JsonDocument.Parse(await listed.Content.ReadAsStringAsync(Ct));
            Assert.Contains(pairs.RootElement.EnumerateArray(), p => p.GetProperty("question").GetString() == question && p.GetProperty("verified_by").GetString() == "ada");
            Assert.Contains(pairs.RootElement.EnumerateArray(), p => p.GetProperty("question").GetString() == "completed story points of Orion in the last 4 sprints"
                && p.GetProperty("spec").GetProperty("filters")[0].GetProperty("values")[0].GetString() == "Orion");
        }
        catch
        {
            browser.Screenshot("failure");
            TestContext.Current.TestOutputHelper?.WriteLine("browser console:" + Environment.NewLine + browser.ConsoleLog());
            throw;
        }
    }

    [Fact]
    public async Task A_lead_sees_no_verify_button()
    {
        var seeded = await SeededAsync();
        var (api, baseAddress) = StartApi(seeded.Db);
        await using var _ = api;
        using var browser = ChromeSession.Start(nameof(A_lead_sees_no_verify_button));
        browser.Driver.Navigate().GoToUrl(new Uri(baseAddress, $"/?as_of={AsOf}"));
        browser.WaitFor("#token").SendKeys(api.Token(seeded.Slug, SpiralRoles.Lead, "lena") + Keys.Enter);
        browser.WaitFor("#question");
        // A Jira sync of one of the tenant's boards, as the connector records it: the answer's freshness line names it.
        await using (var owner = new Npgsql.NpgsqlConnection(seeded.Db.OwnerConnectionString))
        {
            await owner.OpenAsync(Ct);
            await using var sync = new Npgsql.NpgsqlCommand(
                "INSERT INTO jira_sync_state (tenant_id, site, board_id, team_key, last_sync_at, last_finished_at, last_issue_count) " +
                "VALUES (tenant_id_for_slug($1), 'https://jira.example', 1, 'ATL', '2024-04-24T13:55:00Z', '2024-04-24T13:58:07Z', 5) ON CONFLICT DO NOTHING", owner);
            sync.Parameters.Add(new Npgsql.NpgsqlParameter { Value = seeded.Slug });
            await sync.ExecuteNonQueryAsync(Ct);
        }

        var turn = Ask(browser, "scope added by team in the last 2 sprints", 1);
        Assert.NotEmpty(browser.FindAll($"{turn.Css} .summary"));
        Assert.Empty(browser.FindAll($"{turn.Css} button.verify"));

        // "Data as of 14:05, imported 13:40, synced from Jira 2024-04-24 13:58 (UTC)": the result's own freshness, in words
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Token(seeded.Slug, SpiralRoles.Lead, "lena"));
        var freshness = (await ResultOfAsync(http, turn.JobId)).GetProperty("freshness");
        Assert.Equal("2024-04-24T13:58:07Z", freshness.GetProperty("jira_synced_at").GetString());
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        string Clock(string iso) => iso[..10] == today ? iso[11..16] : $"{iso[..10]} {iso[11..16]}";
        var line = browser.Find($"{turn.Css} .freshness");
        Assert.Equal($"Data as of {Clock(freshness.GetProperty("refreshed_at").GetString()!)}, imported {Clock(freshness.GetProperty("imported_at").GetString()!)}, " +
                     "synced from Jira 2024-04-24 13:58 (UTC)", line.Text);
        Assert.Equal($"data version {freshness.GetProperty("data_version").GetInt64()}", line.GetAttribute("title"));
    }

    [Fact]
    public async Task A_refused_token_keeps_the_page_at_sign_in_with_a_message()
    {
        var seeded = await SeededAsync();
        var (api, baseAddress) = StartApi(seeded.Db);
        await using var _ = api;
        // signed with another key: the API refuses it
        var forged = new ApiFactory(seeded.Db, new Dictionary<string, string?> { ["Auth:SigningKey"] = new string('k', 64) });
        await using var __ = forged;
        var token = forged.Token(seeded.Slug, SpiralRoles.Lead);
        using var browser = ChromeSession.Start(nameof(A_refused_token_keeps_the_page_at_sign_in_with_a_message));

        browser.Driver.Navigate().GoToUrl(baseAddress);
        browser.WaitFor("#token").SendKeys(token);
        browser.Find("#sign-in-button").Click();
        var message = browser.WaitFor("the sign-in message", () => browser.Find("#sign-in-message").Text is { Length: > 0 } t && !t.StartsWith("Signing", StringComparison.Ordinal) ? t : null);
        browser.Screenshot("refused");

        Assert.Contains("refused the token", message, StringComparison.Ordinal);
        Assert.True(browser.Find("#chat-view").GetAttribute("hidden") is not null, "the chat stays hidden");
        Assert.Null(browser.Driver.ExecuteScript("return sessionStorage.getItem('spiral.token')"));
    }

    [Fact]
    public async Task A_rate_limited_question_says_when_to_ask_again()
    {
        var seeded = await SeededAsync();
        var (api, baseAddress) = StartApi(seeded.Db, new Dictionary<string, string?>
        {
            ["RateLimits:Ask:PermitLimit"] = "1",
            ["RateLimits:Ask:WindowSeconds"] = "600",
        });
        await using var _ = api;
        using var browser = ChromeSession.Start(nameof(A_rate_limited_question_says_when_to_ask_again));
        browser.Driver.Navigate().GoToUrl(new Uri(baseAddress, $"/?as_of={AsOf}"));
        browser.WaitFor("#token").SendKeys(api.Token(seeded.Slug, SpiralRoles.Viewer, "vic"));
        browser.Find("#sign-in-button").Click();
        browser.WaitFor("#question");
        Ask(browser, "velocity by team last 3 sprints", 1);

        browser.Find("#question").SendKeys("velocity by team last 6 sprints" + Keys.Enter);
        var error = browser.WaitFor("#thread > li:nth-child(2) .answer-body .error");
        browser.Screenshot("rate-limited");

        Assert.Matches(@"Too many questions for now: try again in \d+ s", error.Text);
        Assert.Equal(error.Text, browser.Find("#ask-message").Text);
        Assert.Equal("velocity by team last 6 sprints", browser.Find("#question").GetAttribute("value"));
    }

    [Fact]
    public async Task A_sprint_trend_marks_the_anomalous_point_and_cell_with_the_baseline_in_the_tooltip()
    {
        var seeded = await SeededAsync();
        var slug = await server.OnceAsync("chat-page:known", async () =>
        {
            var name = TestData.NewSlug("known");
            await TestData.CreateTenantAsync(seeded.Db, name);
            var folder = Directory.CreateTempSubdirectory("spiral-chat-known-").FullName;
            try
            {
                SpiralAnalytics.Core.Bundles.CsvBundleWriter.Write(folder, Analytics.KnownAnswerFixture.Build());
                using var host = QueryFixture.Host(seeded.Db);
                await host.Services.GetRequiredService<BundleImporter>().ImportAsync(folder, name, Ct);
                await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }

            return name;
        });
        var (api, baseAddress) = StartApi(seeded.Db);
        await using var _ = api;
        var token = api.Token(slug, SpiralRoles.Lead, "ana");
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var browser = ChromeSession.Start(nameof(A_sprint_trend_marks_the_anomalous_point_and_cell_with_the_baseline_in_the_tooltip));
        try
        {
            // after A7 closed: A5, A6, A7; A6's spillover (0 against a baseline of 10/52) is z −3, the only flag
            browser.Driver.Navigate().GoToUrl(new Uri(baseAddress, "/?as_of=2026-04-12T12:00:00Z"));
            browser.WaitFor("#token").SendKeys(token);
            browser.Find("#sign-in-button").Click();
            browser.WaitFor("#question");
            var turn = Ask(browser, "spillover by sprint for Atlas in the last 3 sprints", 1);
            var result = await ResultOfAsync(http, turn.JobId);
            AssertTableShows(browser, turn, result);
            var flagged = result.GetProperty("rows").EnumerateArray().Count(r => r.GetProperty("spillover_ratio__anomaly").GetBoolean());
            Assert.Equal(1, flagged);

            var cells = browser.FindAll($"{turn.Css} table.result td.anomaly");
            var cell = Assert.Single(cells);
            Assert.Contains("baseline 19.2%", cell.GetAttribute("title"), StringComparison.Ordinal);
            Assert.Contains("z -3", cell.GetAttribute("title"), StringComparison.Ordinal);
            Assert.Equal("line", ChartKind(browser, turn));
            var ring = Assert.Single(browser.FindAll($"{turn.Css} svg.chart circle.anomaly-point"));
            Assert.Contains("baseline 19.2%", ring.FindElement(By.CssSelector("title")).GetAttribute("textContent"), StringComparison.Ordinal);
            Assert.Contains("2σ or more", browser.Find($"{turn.Css} figcaption").Text, StringComparison.Ordinal);
            browser.Screenshot("anomaly-marked");
        }
        catch
        {
            browser.Screenshot("failure");
            TestContext.Current.TestOutputHelper?.WriteLine("browser console:" + Environment.NewLine + browser.ConsoleLog());
            throw;
        }
    }

    private sealed record Turn(int Index, string Css, string JobId, string ConversationId);

    /// <summary>Types the question, sends it with Enter, watches the stages appear and waits for the final state.</summary>
    private static Turn Ask(ChromeSession browser, string question, int index, string expect = "answered")
    {
        var box = browser.Find("#question");
        box.SendKeys(question);
        box.SendKeys(Keys.Enter);
        var css = $"#thread > li:nth-child({index})";
        browser.WaitFor($"turn {index}'s first stage", () => browser.FindAll($"{css} .stages li[data-stage], {css} .answer-body .error").FirstOrDefault());
        browser.Screenshot($"turn-{index}-progress");
        return AwaitTurn(browser, index, expect);
    }

    private static Turn AwaitTurn(ChromeSession browser, int index, string expect)
    {
        var css = $"#thread > li:nth-child({index})";
        var turn = browser.WaitFor($"turn {index} to be {expect}", () =>
        {
            var element = browser.FindAll(css).FirstOrDefault();
            var classes = element?.GetAttribute("class") ?? "";
            if (element is not null && browser.FindAll($"{css} .answer-body .error").FirstOrDefault() is { } error)
            {
                throw new Xunit.Sdk.XunitException($"turn {index} failed: {error.Text}");
            }

            return classes.Contains(expect, StringComparison.Ordinal) ? element : null;
        });
        var stages = browser.FindAll($"{css} .stages li[data-stage]");
        Assert.True(stages.Count >= 2, $"the stages of turn {index} were shown as they came: {string.Join(", ", stages.Select(s => s.GetAttribute("data-stage")))}");
        Assert.Equal(expect == "answered" ? "completed" : "clarification", stages[^1].GetAttribute("data-stage"));
        Assert.All(stages, s => Assert.Matches(@"^\d+ ms$", s.FindElement(By.CssSelector(".stage-ms")).Text));
        browser.Screenshot($"turn-{index}-{expect}");
        return new Turn(index, css, turn.GetAttribute("data-job-id")!, turn.GetAttribute("data-conversation-id")!);
    }

    /// <summary>The result object the API itself gives for the job: the page must show exactly that.</summary>
    private static async Task<JsonElement> ResultOfAsync(HttpClient http, string jobId)
    {
        using var response = await http.GetAsync($"/api/v1/jobs/{jobId}", Ct);
        response.EnsureSuccessStatusCode();
        using var job = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return job.RootElement.GetProperty("result").Clone();
    }

    private static void AssertTableShows(ChromeSession browser, Turn turn, JsonElement result)
    {
        // z-scores, baselines and anomaly flags annotate their metric's cells rather than being columns of their own
        var columns = result.GetProperty("columns").EnumerateArray()
            .Where(c => c.GetProperty("kind").GetString() is not ("zscore" or "baseline" or "flag"))
            .Select(c => c.GetProperty("name").GetString()).ToList();
        var headings = browser.FindAll($"{turn.Css} table.result thead th").Select(th => th.GetAttribute("data-column")).ToList();
        Assert.Equal(columns, headings);
        var rows = result.GetProperty("rows").GetArrayLength();
        Assert.True(rows > 0, "the question has rows in the demo tenant");
        Assert.Equal(rows, browser.FindAll($"{turn.Css} table.result tbody tr").Count);
        Assert.Equal($"{rows} {(rows == 1 ? "row" : "rows")}", browser.Find($"{turn.Css} table.result caption").GetAttribute("textContent"));
    }

    private static string ChartKind(ChromeSession browser, Turn turn) =>
        browser.Find($"{turn.Css} svg.chart").GetAttribute("data-kind")!;

    private static string Chip(ChromeSession browser, Turn turn, string kind) =>
        browser.Find($"{turn.Css} .chips [data-chip='{kind}']").Text;
}
