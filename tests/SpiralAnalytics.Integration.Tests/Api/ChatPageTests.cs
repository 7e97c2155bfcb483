using System.Net;
using System.Text.RegularExpressions;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Api;

public sealed partial class ChatPageTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_page_and_its_modules_are_served_at_the_root_without_a_token_same_origin_only()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(ChatPageTests));
        using var client = api.CreateClient();

        using var page = await client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);

        // every module the page loads or imports is there, and none reaches another origin
        var pending = new Queue<string>(ModuleScripts().Matches(html).Select(m => m.Groups[1].Value));
        Assert.Equal(["app.js", "watch.js"], pending.Order(StringComparer.Ordinal));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var module))
        {
            if (!seen.Add(module))
            {
                continue;
            }

            using var response = await client.GetAsync("/" + module, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/{module}: {response.StatusCode}");
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
            var source = await response.Content.ReadAsStringAsync(Ct);
            foreach (Match import in Imports().Matches(source))
            {
                pending.Enqueue(import.Groups[1].Value);
            }
        }

        Assert.Equal(["api.js", "app.js", "catalog.js", "chart.js", "dom.js", "format.js", "plain.js", "spec.js", "verified.js", "watch.js"], seen.Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/app.css", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/answer-extras.css", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/favicon.svg", Ct)).StatusCode);
        // the page is public; the data behind it is not
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    [GeneratedRegex("""from "\./([a-z]+\.js)";""")]
    private static partial Regex Imports();

    [GeneratedRegex("""<script type="module" src="([a-z]+\.js)"></script>""")]
    private static partial Regex ModuleScripts();
}
