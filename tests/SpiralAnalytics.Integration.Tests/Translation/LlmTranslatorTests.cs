using System.Diagnostics;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;

namespace SpiralAnalytics.Integration.Tests.Translation;

/// <summary>
/// The LLM translator through Semantic Kernel's real OpenAI connector, over HTTP, against a local fake OpenAI-compatible
/// server that plays scripted answers: what the model is sent, the one repair round, and every way of falling back.
/// </summary>
public sealed class LlmTranslatorTests
{
    private const string SpilloverByTeam = """{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task First_request_carries_the_retrieved_catalog_entries_the_schema_as_of_and_tenant_values()
    {
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Answer(SpilloverByTeam));
        using var translator = LlmTestKit.Translator(fake.Endpoint, new FallbackDouble());

        await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        var request = Assert.Single(fake.Requests);
        Assert.Equal("fake-model", (string?)request["model"]);
        Assert.Equal("json_object", (string?)request["response_format"]?["type"]);
        var messages = fake.Messages(0);
        Assert.Equal(["system", "user"], messages.Select(m => m.Role));
        var (system, user) = (messages[0].Content, messages[1].Content);
        Assert.Contains(SpecSchema.Json.Trim(), system, StringComparison.Ordinal);
        foreach (var name in new[] { "spillover_ratio", "carryover_ratio", "velocity" })
        {
            var metric = LlmTestKit.Catalog.Get(name);
            Assert.Contains($"\"name\":\"{name}\"", user, StringComparison.Ordinal);
            Assert.Contains(metric.DisplayName, user, StringComparison.Ordinal);
            Assert.Contains(metric.Description.Trim()[..60], user, StringComparison.Ordinal);
            Assert.Contains(metric.Synonyms[0], user, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("\"name\":\"bug_count\"", user, StringComparison.Ordinal); // not retrieved: not described
        Assert.Contains("as_of: 2024-04-25T00:00:00Z", user, StringComparison.Ordinal);
        Assert.Contains("{\"name\":\"Phoenix\",\"key\":\"PHX\"}", user, StringComparison.Ordinal);
        Assert.Contains("\"issue_type\":[\"Bug\",\"Story\",\"Task\"]", user, StringComparison.Ordinal);
        Assert.EndsWith("\"spillover by team in the last 3 sprints\"", user, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("test-key", "Bearer test-key")]
    [InlineData(null, null)]
    public async Task Api_key_is_sent_as_a_bearer_token_and_optional_for_local_servers(string? key, string? expected)
    {
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Answer(SpilloverByTeam));
        using var translator = LlmTestKit.Translator(fake.Endpoint, new FallbackDouble(), o => o.ApiKey = key);

        var outcome = await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        Assert.Equal(TranslatorNames.Llm, outcome.Translator);
        if (expected is not null)
        {
            Assert.Equal(expected, fake.Authorizations.Single());
        }
        else
        {
            Assert.DoesNotContain("test-key", fake.Authorizations.Single(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Valid_first_answer_is_the_spec_after_one_request()
    {
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Answer(SpilloverByTeam));
        var fallback = new FallbackDouble();
        using var translator = LlmTestKit.Translator(fake.Endpoint, fallback);

        var outcome = await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        Assert.Equal(TranslatorNames.Llm, outcome.Translator);
        Assert.Equal(SpilloverByTeam, SpecJson.Write(outcome.Spec!));
        Assert.Null(outcome.Clarification);
        Assert.Single(fake.Requests);
        Assert.Equal(0, fallback.Calls);
    }

    [Theory]
    [InlineData("""{"metrics":["spilover"],"group_by":["team"]}""", "metrics[0]: 'spilover' is not an active metric; did you mean 'spillover_ratio'?")]
    [InlineData("{\"metrics\": [\"spillover_ratio\"], \"group_by\": [\"team\"", "not valid JSON")]
    [InlineData("""{"metrics":["spillover_ratio"],"filters":[{"dimension":"team","op":"eq","values":["Orion"]}]}""", "filters[0].values[0]")]
    [InlineData("""{"metrics":["bug_count"],"group_by":["issue_type"]}""", "group_by[0]")]
    public async Task Invalid_first_answer_triggers_exactly_one_repair_round(string firstAnswer, string errorText)
    {
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Answer(firstAnswer), FakeReply.Answer(SpilloverByTeam));
        var fallback = new FallbackDouble();
        using var translator = LlmTestKit.Translator(fake.Endpoint, fallback);

        var outcome = await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        Assert.Equal(2, fake.Requests.Count);
        var repair = fake.Messages(1);
        Assert.Equal(["system", "user", "assistant", "user"], repair.Select(m => m.Role));
        Assert.Equal(firstAnswer, repair[2].Content);
        Assert.StartsWith("Your answer was rejected.", repair[3].Content, StringComparison.Ordinal);
        Assert.Contains(errorText, repair[3].Content, StringComparison.Ordinal);
        Assert.Equal(TranslatorNames.Llm, outcome.Translator);
        Assert.Equal(SpilloverByTeam, SpecJson.Write(outcome.Spec!));
        Assert.Equal(0, fallback.Calls);
    }

    [Fact]
    public async Task Invalid_twice_falls_back_to_the_offline_translator()
    {
        await using var fake = await FakeOpenAi.StartAsync(
            FakeReply.Answer("""{"metrics":["spilover"]}"""), FakeReply.Answer("""{"metrics":["spilover_ratio"]}"""), FakeReply.Answer(SpilloverByTeam));
        var fallback = new FallbackDouble();
        using var translator = LlmTestKit.Translator(fake.Endpoint, fallback);

        var outcome = await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        Assert.Equal(2, fake.Requests.Count);
        Assert.Equal(1, fallback.Calls);
        Assert.Equal(TranslatorNames.Offline, outcome.Translator);
        Assert.Equal(FallbackDouble.Spec, outcome.Spec);
        Assert.Equal(
            "llm answer still invalid after one repair round (metrics[0]: 'spilover_ratio' is not an active metric; did you mean 'spillover_ratio'?); " +
            "offline translator answered",
            outcome.Notes[0]);
        Assert.Equal(FallbackDouble.Note, outcome.Notes[1]);
    }

    [Fact]
    public async Task Timeout_falls_back_to_the_offline_translator_promptly()
    {
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Slow(TimeSpan.FromSeconds(60), SpilloverByTeam));
        var fallback = new FallbackDouble();
        using var translator = LlmTestKit.Translator(fake.Endpoint, fallback, o => o.TimeoutSeconds = 1);

        var clock = Stopwatch.StartNew();
        var outcome = await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Single(fake.Requests);
        Assert.Equal(TranslatorNames.Offline, outcome.Translator);
        Assert.Equal(FallbackDouble.Spec, outcome.Spec);
        Assert.Equal("llm timed out after 1 s; offline translator answered", outcome.Notes[0]);
    }

    [Fact]
    public async Task Timeout_covers_the_repair_round_too()
    {
        await using var fake = await FakeOpenAi.StartAsync(
            FakeReply.Answer("""{"metrics":["spilover"]}"""), FakeReply.Slow(TimeSpan.FromSeconds(60), SpilloverByTeam));
        // room for a cold first request on a busy machine; the second one then uses up what is left of the budget
        using var translator = LlmTestKit.Translator(fake.Endpoint, new FallbackDouble(), o => o.TimeoutSeconds = 5);

        var clock = Stopwatch.StartNew();
        var outcome = await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(2, fake.Requests.Count);
        Assert.Equal(TranslatorNames.Offline, outcome.Translator);
        Assert.Equal("llm timed out after 5 s; offline translator answered", outcome.Notes[0]);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(429)]
    [InlineData(401)]
    public async Task Http_error_falls_back_without_retrying(int status)
    {
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Fails(status), FakeReply.Answer(SpilloverByTeam));
        var fallback = new FallbackDouble();
        using var translator = LlmTestKit.Translator(fake.Endpoint, fallback);

        var outcome = await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        Assert.Single(fake.Requests);
        Assert.Equal(1, fallback.Calls);
        Assert.Equal(TranslatorNames.Offline, outcome.Translator);
        TestContext.Current.TestOutputHelper?.WriteLine(outcome.Notes[0]);
        Assert.StartsWith($"llm failed (HTTP {status}", outcome.Notes[0], StringComparison.Ordinal);
        Assert.EndsWith("; offline translator answered", outcome.Notes[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("""{"choices": "none"}""")]
    public async Task A_body_that_is_not_a_completion_falls_back(string body)
    {
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Raw(body));
        var fallback = new FallbackDouble();
        using var translator = LlmTestKit.Translator(fake.Endpoint, fallback);

        var outcome = await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        Assert.Single(fake.Requests);
        Assert.Equal(TranslatorNames.Offline, outcome.Translator);
        TestContext.Current.TestOutputHelper?.WriteLine(outcome.Notes[0]);
        Assert.StartsWith("llm failed (", outcome.Notes[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_refused_falls_back_to_the_offline_translator()
    {
        var fallback = new FallbackDouble();
        using var translator = LlmTestKit.Translator(FakeOpenAi.RefusingEndpoint(), fallback);

        var outcome = await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        Assert.Equal(1, fallback.Calls);
        Assert.Equal(TranslatorNames.Offline, outcome.Translator);
        TestContext.Current.TestOutputHelper?.WriteLine(outcome.Notes[0]);
        Assert.StartsWith("llm failed (", outcome.Notes[0], StringComparison.Ordinal);
        Assert.EndsWith("; offline translator answered", outcome.Notes[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clarification_from_the_model_is_a_clarification_outcome()
    {
        const string answer = """
            {"clarification": {"reason": "'health' is not one measure", "options": [
              {"label": "Spillover", "question": "spillover by team in the last 3 sprints"},
              {"label": "Velocity", "question": "velocity by sprint"}]}}
            """;
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Answer(answer));
        using var translator = LlmTestKit.Translator(fake.Endpoint, new FallbackDouble());

        var outcome = await translator.TranslateAsync(LlmTestKit.Request("how healthy are we?"), LlmTestKit.Context(), Ct);

        Assert.Equal(TranslatorNames.Llm, outcome.Translator);
        Assert.Null(outcome.Spec);
        Assert.Equal("'health' is not one measure", outcome.Clarification!.Reason);
        Assert.Equal(
            [new ClarificationOption("Spillover", "spillover by team in the last 3 sprints"), new ClarificationOption("Velocity", "velocity by sprint")],
            outcome.Clarification.Options);
        Assert.Single(fake.Requests);
    }

    [Fact]
    public async Task Sql_in_the_answer_is_rejected_repaired_once_then_the_offline_translator_answers()
    {
        await using var fake = await FakeOpenAi.StartAsync(
            FakeReply.Answer("""{"metrics":["velocity"],"sql":"SELECT * FROM issues; DROP TABLE teams"}"""),
            FakeReply.Answer("""{"metrics":["velocity"],"filters":[{"dimension":"team","op":"eq","values":["x'; DROP TABLE teams; --"]}]}"""));
        var fallback = new FallbackDouble();
        using var translator = LlmTestKit.Translator(fake.Endpoint, fallback);

        var outcome = await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), Ct);

        Assert.Equal(2, fake.Requests.Count);
        Assert.Contains("sql: unknown field 'sql'", fake.Messages(1)[3].Content, StringComparison.Ordinal);
        Assert.Equal(TranslatorNames.Offline, outcome.Translator);
        Assert.Equal(FallbackDouble.Spec, outcome.Spec);
        Assert.StartsWith("llm answer still invalid after one repair round (filters[0].values[0]", outcome.Notes[0], StringComparison.Ordinal);
        Assert.DoesNotContain("DROP", SpecJson.Write(outcome.Spec!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_in_a_code_fence_with_a_team_key_is_read_in_canonical_spelling()
    {
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Answer(
            "Here is the spec:\n```json\n{\"metrics\":[\"velocity\"],\"filters\":[{\"dimension\":\"team\",\"op\":\"eq\",\"values\":[\"phx\"]}]}\n```"));
        using var translator = LlmTestKit.Translator(fake.Endpoint, new FallbackDouble(), o => o.JsonMode = false);

        var outcome = await translator.TranslateAsync(LlmTestKit.Request("velocity of phx"), LlmTestKit.Context("velocity"), Ct);

        Assert.Equal(TranslatorNames.Llm, outcome.Translator);
        Assert.Equal("""{"metrics":["velocity"],"filters":[{"dimension":"team","op":"eq","values":["Phoenix"]}]}""", SpecJson.Write(outcome.Spec!));
        Assert.Null(fake.Requests[0]["response_format"]);
    }

    [Fact]
    public async Task Follow_up_sends_the_previous_spec()
    {
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Answer(
            """{"metrics":["spillover_ratio"],"group_by":["sprint"],"time":{"type":"last_sprints","n":3}}"""));
        using var translator = LlmTestKit.Translator(fake.Endpoint, new FallbackDouble());
        var previous = SpecJson.Parse(SpilloverByTeam).Spec;

        var outcome = await translator.TranslateAsync(LlmTestKit.Request("same by sprint", previous), LlmTestKit.Context(), Ct);

        Assert.Equal(["sprint"], outcome.Spec!.GroupBy);
        Assert.Contains("Previous spec of this conversation (the question may be a follow-up that changes it):\n" + SpilloverByTeam,
            fake.Messages(0)[1].Content.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_a_fallback()
    {
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Slow(TimeSpan.FromSeconds(60), SpilloverByTeam));
        var fallback = new FallbackDouble();
        using var translator = LlmTestKit.Translator(fake.Endpoint, fallback);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await translator.TranslateAsync(LlmTestKit.Request(), LlmTestKit.Context(), cancel.Token));
        Assert.Equal(0, fallback.Calls);
    }
}
