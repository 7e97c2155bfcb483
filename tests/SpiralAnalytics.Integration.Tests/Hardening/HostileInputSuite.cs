using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Hardening;

/// <summary>
/// The hostile-input suite of issue #13: a few thousand generated cases (seeded: <c>SPIRAL_HOSTILE_SEED</c>, default 13;
/// bounded: <c>SPIRAL_HOSTILE_SECONDS</c>, default 150, shared by the classes) of malformed specs, questions, tokens and
/// bundles against the API and the importer. Never a 5xx; never a stack trace, exception name or SQL text in an error;
/// a forged token never gets in; the tenant's export byte-identical after every refused bundle; readiness healthy at the
/// end. It prints the cases per class and the failures (README: Hardening).
/// </summary>
public sealed class HostileInputSuite(PostgresServer server)
{
    private static readonly string[] Leaks =
        ["Exception", "   at ", "Npgsql", "Postgres", "SqlState", "System.", "SpiralAnalytics.", "sprint_issue_facts", "issue_flow", "current_tenant_id", "tenant_id =", "SELECT "];

    private static readonly (string Method, string Path)[] TokenTargets =
        [("GET", "/api/v1/me"), ("GET", "/api/v1/metrics"), ("POST", "/api/v1/query"), ("GET", "/api/v1/conversations?scope=tenant"), ("GET", "/api/v1/jobs/{job}/events"), ("GET", "/api/v1/jobs/{job}")];

    private static readonly string[] Accepts = ["application/json", "text/html", "text/event-stream", "*/*", "application/xml", ""];

    private sealed class Tally
    {
        public ConcurrentDictionary<string, int> Cases { get; } = new();

        public ConcurrentQueue<string> Failures { get; } = new();

        public void Count(string kind) => Cases.AddOrUpdate(kind, 1, (_, n) => n + 1);

        public void Fail(string what) => Failures.Enqueue(what);
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    [Fact]
    public async Task Thousands_of_hostile_specs_questions_tokens_and_bundles_never_get_a_5xx_or_leak_internals()
    {
        var ct = TestContext.Current.CancellationToken;
        var seed = Setting("SPIRAL_HOSTILE_SEED", 13);
        var budget = TimeSpan.FromSeconds(Setting("SPIRAL_HOSTILE_SECONDS", 150));
        var generator = new HostileInputGenerator(seed);
        var seeded = await QueryFixture.SeededAsync(server, nameof(HostileInputSuite));
        await using var api = new ApiFactory(seeded.Db, new Dictionary<string, string?> { ["RateLimits:Ask:PermitLimit"] = "100000" });
        using var client = api.CreateClient(seeded.Slug, SpiralRoles.Lead);
        client.Timeout = TimeSpan.FromMinutes(2);
        var tallies = new Dictionary<string, Tally> { ["specs"] = new(), ["questions"] = new(), ["tokens"] = new(), ["bundles"] = new() };
        var clock = Stopwatch.StartNew();

        bool Within(double share) => clock.Elapsed < budget * share;

        // specs: 2,000 bodies for POST /api/v1/query
        for (var i = 0; i < 2000 && Within(0.35); i++)
        {
            var body = generator.Spec();
            var tally = tallies["specs"];
            tally.Count(body.Kind);
            using var content = new ByteArrayContent(body.Body);
            content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
            using var response = await client.PostAsync("/api/v1/query" + body.Query, content, ct);
            await CheckAsync(tally, $"spec {i} ({body.Kind}: {body.ContentType} {body.Query} {Short(Encoding.UTF8.GetString(body.Body))})", response, ct);
        }

        // tokens: 1,200 requests with forged, broken and hostile bearer tokens and Accept headers
        var key = api.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value.KeyBytes()!;
        var valid = api.Token(seeded.Slug, SpiralRoles.Lead);
        var job = Guid.NewGuid();
        using var bare = api.CreateClient();
        for (var i = 0; i < 1200 && Within(0.55); i++)
        {
            var token = generator.Token(key, seeded.Slug, valid);
            var tally = tallies["tokens"];
            tally.Count(token.Kind);
            var (method, path) = TokenTargets[i % TokenTargets.Length];
            using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{job}", job.ToString(), StringComparison.Ordinal));
            if (token.Authorization is { } authorization)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            if (Accepts[i % Accepts.Length] is { Length: > 0 } accept)
            {
                request.Headers.TryAddWithoutValidation("Accept", accept);
            }

            if (method == "POST")
            {
                request.Content = new StringContent("""{"metrics":["velocity"]}""", Encoding.UTF8, "application/json");
            }

            using var response = await bare.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!token.Genuine && response.StatusCode != HttpStatusCode.Unauthorized)
            {
                tally.Fail($"token {i} ({token.Kind}) on {method} {path}: {(int)response.StatusCode}, expected 401");
            }

            if (path.EndsWith("/events", StringComparison.Ordinal) && response.IsSuccessStatusCode)
            {
                continue; // an event stream of a job that does not exist is a 404; never read an open stream here
            }

            await CheckAsync(tally, $"token {i} ({token.Kind}) on {method} {path}", response, ct);
        }

        // questions: 300 asks through the whole pipeline (offline translator), then every accepted one's final event
        var accepted = new List<(int Case, string Kind, string EventsUrl)>();
        for (var i = 0; i < 300 && Within(0.7); i++)
        {
            var body = generator.Question();
            var tally = tallies["questions"];
            tally.Count(body.Kind);
            using var content = new ByteArrayContent(body.Body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(body.ContentType);
            using var response = await client.PostAsync("/api/v1/ask", content, ct);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var events = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["events_url"]!.GetValue<string>();
                accepted.Add((i, body.Kind, events));
                continue;
            }

            await CheckAsync(tally, $"question {i} ({body.Kind})", response, ct);
        }

        await Parallel.ForEachAsync(accepted, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (ask, token) =>
        {
            var tally = tallies["questions"];
            try
            {
                var events = await Ask.Sse.AllAsync(client, ask.EventsUrl, timeout: TimeSpan.FromSeconds(90));
                var final = JsonNode.Parse(events[^1].Data)!.AsObject();
                if (events[^1].Type is not ("completed" or "clarification" or "failed"))
                {
                    tally.Fail($"question {ask.Case} ({ask.Kind}): ended {events[^1].Type}");
                }

                final.Remove("result"); // a completed answer carries its SQL by design; errors and clarifications must not
                if (Leak(final.ToJsonString()) is { } leak)
                {
                    tally.Fail($"question {ask.Case} ({ask.Kind}): '{leak}' in {Short(final.ToJsonString())}");
                }
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
            {
                tally.Fail($"question {ask.Case} ({ask.Kind}): no final event ({e.GetType().Name})");
            }
        });

        // bundles: 150 broken copies of a small bundle into a tenant that holds it; its export must not move
        var importer = api.Services.GetRequiredService<BundleImporter>();
        var exporter = api.Services.GetRequiredService<BundleExporter>();
        var slug = TestData.NewSlug("hostile");
        await TestData.CreateTenantAsync(seeded.Db, slug);
        var source = SmallBundle.Write(extraIssues: 3);
        await importer.ImportAsync(source, slug, ct);
        var baseline = await ExportAsync(exporter, slug, ct);
        for (var i = 0; i < 150 && Within(1.0); i++)
        {
            var tally = tallies["bundles"];
            var copy = Directory.CreateTempSubdirectory("spiral-hostile-").FullName;
            foreach (var file in Directory.GetFiles(source))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }

            var broken = generator.Bundle(copy);
            tally.Count(broken.Kind);
            try
            {
                await importer.ImportAsync(copy, slug, ct);
                tally.Count("(accepted: the change was valid)");
                baseline = await ExportAsync(exporter, slug, ct);
            }
            catch (BundleRejectedException rejected)
            {
                var text = rejected.Message + "\n" + string.Join('\n', rejected.Details);
                if (Leak(text) is { } leak)
                {
                    tally.Fail($"bundle {i} ({broken.Kind} in {broken.File}): '{leak}' in {Short(text)}");
                }

                if (!rejected.Details.Any(d => d.StartsWith(broken.File, StringComparison.Ordinal) || d.Contains(".csv", StringComparison.Ordinal)))
                {
                    tally.Fail($"bundle {i} ({broken.Kind} in {broken.File}): no located error: {Short(text)}");
                }

                var after = await ExportAsync(exporter, slug, ct);
                if (after != baseline)
                {
                    tally.Fail($"bundle {i} ({broken.Kind} in {broken.File}): the export changed after a refused bundle");
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                tally.Fail($"bundle {i} ({broken.Kind} in {broken.File}): {e.GetType().Name}: {Short(e.Message)}");
            }
            finally
            {
                Directory.Delete(copy, recursive: true);
            }
        }

        using var ready = await bare.GetAsync("/health/ready", ct);
        var summary = new StringBuilder($"hostile input, seed {seed}, {clock.Elapsed.TotalSeconds:F0} s (budget {budget.TotalSeconds:F0} s); readiness {(int)ready.StatusCode}\n");
        foreach (var (name, tally) in tallies)
        {
            var total = tally.Cases.Where(c => !c.Key.StartsWith('(')).Sum(c => c.Value);
            summary.Append(CultureInfo.InvariantCulture, $"{name,-10} {total,5} cases, {tally.Failures.Count} failures   ");
            summary.AppendLine(string.Join(", ", tally.Cases.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}")));
        }

        TestContext.Current.TestOutputHelper?.WriteLine(summary.ToString());
        var results = Path.Combine(RepoPaths.Root, ".local", "test-results");
        Directory.CreateDirectory(results);
        await File.WriteAllTextAsync(Path.Combine(results, "hostile-input.txt"), summary + string.Join('\n', tallies.SelectMany(t => t.Value.Failures)), ct);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var failures = tallies.SelectMany(t => t.Value.Failures).ToList();
        Assert.True(failures.Count == 0, summary + string.Join('\n', failures.Take(30)));
        Assert.True(tallies.Values.Sum(t => t.Cases.Values.Sum()) >= 1000, summary.ToString());
    }

    private static async Task<string> ExportAsync(BundleExporter exporter, string slug, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("spiral-hostile-export-").FullName;
        await exporter.ExportAsync(dir, slug, ct);
        var text = string.Join("\n--\n", Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(f => Path.GetFileName(f) + "\n" + File.ReadAllText(f)));
        Directory.Delete(dir, recursive: true);
        return text;
    }

    private static async Task CheckAsync(Tally tally, string what, HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            tally.Fail($"{what}: {status} {Short(body)}");
            return;
        }

        if (status < 400)
        {
            return; // an answer (a completed query carries its SQL by design)
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" && status != 404)
        {
            tally.Fail($"{what}: {status} answered as '{response.Content.Headers.ContentType}', not ProblemDetails: {Short(body)}");
        }

        if (Leak(body) is { } leak)
        {
            tally.Fail($"{what}: {status} shows '{leak}': {Short(body)}");
        }
    }

    private static string? Leak(string text) => Leaks.FirstOrDefault(l => text.Contains(l, StringComparison.Ordinal));

    private static string Short(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
