using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Catalog;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Browser;

/// <summary>
/// The catalog screen of the chat page (issue 14) in headless Chromium against the real API: a tenant admin writes a
/// metric in the YAML editor, sees the validation messages in place, saves a draft, previews, activates, sees its
/// latest value and sparkline after a refresh, and archives it.
/// </summary>
public sealed class CatalogScreenBrowserTests(PostgresServer server)
{
    [Fact]
    public async Task Admin_writes_validates_previews_activates_and_archives_a_metric_on_the_catalog_screen()
    {
        var seeded = await TenantMetricFixture.SeededAsync(server, nameof(CatalogScreenBrowserTests));
        await using var api = new ApiFactory(seeded.Db);
        api.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        api.StartServer();
        var address = new Uri(api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var token = api.Token(seeded.Slug, SpiralRoles.Admin, "ada");
        using var browser = ChromeSession.Start(nameof(Admin_writes_validates_previews_activates_and_archives_a_metric_on_the_catalog_screen));
        try
        {
            browser.Driver.Navigate().GoToUrl(new Uri(address, $"/?as_of={TenantMetricFixture.AsOf}"));
            browser.WaitFor("#token").SendKeys(token);
            browser.Find("#token").SendKeys(Keys.Enter);
            browser.WaitFor("#question");
            browser.WaitFor("#show-catalog").Click();
            browser.WaitFor("the empty catalog", () => browser.Find("#catalog-empty").Displayed ? "empty" : null);
            browser.Screenshot("catalog-empty");

            // a typo: the message appears in place, with its line marked and a suggestion
            SetYaml(browser, TenantMetricFixture.CriticalBugs.Replace("measure: completed_issues", "measure: completed_isues", StringComparison.Ordinal));
            browser.Find("#catalog-validate").Click();
            var problem = browser.WaitFor("#catalog-problems li");
            Assert.Equal("7", problem.GetAttribute("data-line"));
            Assert.Contains("did you mean 'completed_issues'", problem.Text, StringComparison.Ordinal);
            Assert.Contains("7 ●", browser.Find("#catalog-gutter .gutter-line.bad").Text, StringComparison.Ordinal);
            Assert.Equal("true", browser.Find("#catalog-yaml").GetAttribute("aria-invalid"));
            browser.Screenshot("validation-in-place");

            // saved as a draft: listed, with its version
            SetYaml(browser, TenantMetricFixture.CriticalBugs);
            browser.Find("#catalog-save").Click();
            browser.WaitFor("#catalog-rows tr[data-metric='critical_bugs_closed']");
            Assert.Equal("draft", browser.Find("#catalog-rows tr[data-metric='critical_bugs_closed'] .status").GetAttribute("data-status"));
            Assert.Empty(browser.FindAll("#catalog-problems li"));
            browser.WaitFor("#catalog-versions li[data-version='1.0.0']");
            browser.Screenshot("saved-draft");

            // preview: the last 8 sprints of each team, nothing stored
            browser.Find("#catalog-preview-button").Click();
            browser.WaitFor("the preview rows", () => browser.FindAll("#catalog-preview tbody tr").Count >= 8 ? "rows" : null);
            Assert.Contains("critical_bugs_closed", browser.Find("#catalog-preview thead").Text, StringComparison.Ordinal);
            browser.Screenshot("preview");

            // activate; after a refresh the list shows the latest value and a sparkline
            browser.Find("#catalog-activate").Click();
            browser.WaitFor("active", () => browser.Find("#catalog-rows tr[data-metric='critical_bugs_closed'] .status").GetAttribute("data-status") == "active" ? "active" : null);
            var refresh = await TestData.CliAsync(seeded.Db, "refresh");
            Assert.True(refresh.ExitCode == 0, refresh.Error);
            browser.Find("#show-chat").Click();
            browser.WaitFor("#show-catalog").Click();
            var latest = browser.WaitFor("the latest value", () =>
                browser.Find("#catalog-rows tr[data-metric='critical_bugs_closed'] td.latest").GetAttribute("data-latest") is { Length: > 0 } v ? v : null);
            Assert.True(double.TryParse(latest, System.Globalization.CultureInfo.InvariantCulture, out _), latest);
            Assert.NotEmpty(browser.FindAll("#catalog-rows tr[data-metric='critical_bugs_closed'] svg.sparkline path"));
            browser.Screenshot("active-with-values");

            // archive, naming the shipped replacement
            browser.Find("#catalog-rows tr[data-metric='critical_bugs_closed'] button.link").Click();
            browser.WaitFor("#catalog-versions li");
            browser.Find("#catalog-replaced-by").SendKeys("completed_issues");
            browser.Find("#catalog-archive").Click();
            browser.WaitFor("archived", () => browser.Find("#catalog-rows tr[data-metric='critical_bugs_closed'] .status").GetAttribute("data-status") == "archived" ? "archived" : null);
            browser.Screenshot("archived");
        }
        catch
        {
            browser.Screenshot("failure");
            TestContext.Current.TestOutputHelper?.WriteLine("browser console:" + Environment.NewLine + browser.ConsoleLog());
            throw;
        }
    }

    private static void SetYaml(ChromeSession browser, string yaml) =>
        browser.Driver.ExecuteScript("document.getElementById('catalog-yaml').value = arguments[0];", yaml);
}
