using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Overview;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;
using SpiralAnalytics.Integration.Tests.Watch;

namespace SpiralAnalytics.Integration.Tests.Browser;

/// <summary>
/// The health overview panel of the chat page in headless Chromium against the API on a real port, with a failing provider
/// registered beside the real ones and an alert that has fired. Screenshots go to .local/test-results/screenshots/.
/// </summary>
public sealed class OverviewBrowserTests(PostgresServer server)
{
    private const string AsOf = "2024-04-25";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_overview_renders_every_card_and_a_failing_provider_shows_only_its_own_error()
    {
        var db = await server.DatabaseAsync(nameof(OverviewBrowserTests));
        var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
        Assert.True(catalog.ExitCode == 0, catalog.Error);
        var slug = TestData.NewSlug("overview");
        await TestData.CreateTenantAsync(db, slug);
        using (var host = QueryFixture.Host(db))
        {
            await host.Services.GetRequiredService<BundleImporter>().ImportAsync(DemoBundle.Write(42), slug, Ct);
            await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
        }

        await using var api = new ApiFactory(db, new Dictionary<string, string?> { ["Alerts:AllowPrivateTargets"] = "true" });
        await using var broken = api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IOverviewProvider, FailingProvider>()));
        broken.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        broken.StartServer();
        var address = broken.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var baseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        var admin = api.Token(slug, SpiralRoles.Admin, "ada");
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);

        // an alert that fires for every team (chat page only: no webhook)
        var rule = await http.PostAsync("/api/v1/alerts", new StringContent(
            """{"name": "velocity watch", "spec": {"metrics": ["velocity"]}, "condition": {"op": "above", "value": -1}}""",
            System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/api/v1/alerts/evaluate?as_of={AsOf}", null, Ct)).StatusCode);
        var overview = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/overview?as_of={AsOf}", Ct)).RootElement;

        using var browser = ChromeSession.Start(nameof(The_overview_renders_every_card_and_a_failing_provider_shows_only_its_own_error));
        try
        {
            browser.Driver.Navigate().GoToUrl(new Uri(baseAddress, $"/?as_of={AsOf}"));
            browser.WaitFor("#token").SendKeys(api.Token(slug, SpiralRoles.Viewer, "vic"));
            browser.Find("#sign-in-button").Click();
            browser.WaitFor("#question");
            var toggle = browser.WaitFor("#overview-toggle");
            browser.WaitFor("the alert count", () => browser.Find("#alert-count").Text is { Length: > 0 } t ? t : null);
            browser.Screenshot("signed-in");
            toggle.Click();
            browser.WaitFor("#overview-cards[data-loaded='true']");
            Assert.True(browser.Find("#chat-view").GetAttribute("hidden") is not null, "the chat is hidden while the overview shows");
            browser.Screenshot("overview");

            // every category card renders its table; only the failing provider's card shows an error
            var cards = browser.FindAll("#overview-cards > section.ov-card");
            Assert.Equal(MetricCategories.All.Count + 1, cards.Count);
            foreach (var category in MetricCategories.All)
            {
                var card = browser.Find($"section.ov-card[data-provider='{category}']");
                Assert.Equal("ok", card.GetAttribute("data-status"));
                Assert.Empty(card.FindElements(OpenQA.Selenium.By.CssSelector(".ov-error")));
                var expected = overview.GetProperty("cards").EnumerateArray().Single(c => c.GetProperty("provider").GetString() == category);
                var metrics = expected.GetProperty("metrics").GetArrayLength();
                Assert.Equal(metrics, card.FindElements(OpenQA.Selenium.By.CssSelector("tbody tr")).Count);
                Assert.Equal(metrics * 3, card.FindElements(OpenQA.Selenium.By.CssSelector("td[data-team]")).Count);
            }

            var failed = browser.Find("section.ov-card[data-provider='broken_provider']");
            Assert.Equal("error", failed.GetAttribute("data-status"));
            Assert.Contains("could not be computed", failed.FindElement(OpenQA.Selenium.By.CssSelector(".ov-error")).Text, StringComparison.Ordinal);
            Assert.Contains("1 card(s) could not be computed", browser.Find("#overview-status").Text, StringComparison.Ordinal);

            // a value cell shows the API's value, a sparkline with a line, and the anomaly flag exactly where the API says so
            var velocity = overview.GetProperty("cards").EnumerateArray().Single(c => c.GetProperty("provider").GetString() == "throughput")
                .GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "velocity");
            foreach (var team in velocity.GetProperty("teams").EnumerateArray())
            {
                var cell = browser.Find($"td[data-metric='velocity'][data-team='{team.GetProperty("team").GetString()}']");
                Assert.Equal(team.GetProperty("anomaly").GetBoolean() ? "true" : "false", cell.GetAttribute("data-anomaly"));
                Assert.NotEmpty(cell.FindElements(OpenQA.Selenium.By.CssSelector("svg.ov-spark path")));
                Assert.Equal(team.GetProperty("sprint").GetString(), cell.FindElement(OpenQA.Selenium.By.CssSelector(".ov-sub")).Text);
            }

            Assert.Equal(overview.GetProperty("cards").EnumerateArray().SelectMany(c => c.GetProperty("metrics").EnumerateArray())
                    .SelectMany(m => m.GetProperty("teams").EnumerateArray()).Count(t => t.GetProperty("anomaly").GetBoolean()),
                browser.FindAll("td[data-anomaly='true'] .ov-flag").Count);

            // the alert list shows the three firings (one per team) and the rule
            Assert.Equal(3, browser.FindAll("#alert-list li.ov-firing").Count);
            Assert.Contains("velocity watch", browser.Find("#alert-rules").Text, StringComparison.Ordinal);
            browser.Screenshot("alerts");

            // one team: every card narrows to its column
            browser.Find("#overview-team").Click();
            browser.Find("#overview-team option[value='Phoenix']").Click();
            browser.WaitFor("one team", () => browser.FindAll("td[data-team='Atlas']").Count == 0 && browser.FindAll("td[data-team='Phoenix']").Count > 0 ? "ok" : null);
            browser.Screenshot("one-team");

            browser.Find("#overview-close").Click();
            browser.WaitFor("the chat again", () => browser.Find("#chat-view").GetAttribute("hidden") is null ? "shown" : null);
        }
        catch
        {
            browser.Screenshot("failure");
            TestContext.Current.TestOutputHelper?.WriteLine("browser console:" + Environment.NewLine + browser.ConsoleLog());
            throw;
        }
    }
}
