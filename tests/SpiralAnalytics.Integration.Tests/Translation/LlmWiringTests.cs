using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Core.Translation.Offline;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Infrastructure.Translation;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Translation;

/// <summary>
/// AddSpiralTranslation with and without <c>Translator:Llm</c>: options checked at start, the translator chosen by
/// configuration, and a question through the real context loader (seeded tenant, imported catalog) to the fake model.
/// </summary>
public sealed class LlmWiringTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("http://127.0.0.1:1/v1", null, "Translator:Llm:Model is required when Translator:Llm:Endpoint is set")]
    [InlineData("localhost:11434/v1", "llama3.1", "Translator:Llm:Endpoint must be an absolute http(s) URL")]
    [InlineData("ftp://models.example/v1", "llama3.1", "Translator:Llm:Endpoint must be an absolute http(s) URL")]
    [InlineData("http://127.0.0.1:1/v1", "llama3.1", "TimeoutSeconds", "0")]
    public async Task Misconfigured_llm_translator_fails_at_start(string endpoint, string? model, string message, string timeout = "20")
    {
        using var host = BareHost(new Dictionary<string, string?>
        {
            ["Translator:Llm:Endpoint"] = endpoint,
            ["Translator:Llm:Model"] = model,
            ["Translator:Llm:TimeoutSeconds"] = timeout,
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_endpoint_the_offline_translator_answers_alone()
    {
        using var host = BareHost(new Dictionary<string, string?>());

        Assert.IsType<OfflineTranslator>(host.Services.GetRequiredService<IContextTranslator>());
    }

    [Fact]
    public async Task With_an_endpoint_the_llm_translator_answers_first()
    {
        using var host = BareHost(new Dictionary<string, string?>
        {
            ["Translator:Llm:Endpoint"] = "http://localhost:11434/v1",
            ["Translator:Llm:Model"] = "llama3.1:8b",
        });

        await host.StartAsync(Ct);
        Assert.IsType<SemanticKernelTranslator>(host.Services.GetRequiredService<IContextTranslator>());
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Question_reaches_the_model_with_the_tenants_catalog_candidates_and_values()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        const string answer = """{"metrics":["spillover_ratio"],"group_by":["team"],"filters":[{"dimension":"team","op":"in","values":["atl","PHX"]}],"time":{"type":"last_sprints","n":3}}""";
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Answer(answer));
        using var host = SeededHost(seeded.Db, fake.Endpoint);

        var outcome = await host.Services.GetRequiredService<IQuestionTranslator>().TranslateAsync(
            seeded.Slug, new TranslationRequest("spillover of Atlas and Phoenix in the last 3 sprints", QueryFixture.AsOf), Ct);

        Assert.Equal(TranslatorNames.Llm, outcome.Translator);
        Assert.Equal(
            """{"metrics":["spillover_ratio"],"group_by":["team"],"filters":[{"dimension":"team","op":"in","values":["Atlas","Phoenix"]}],"time":{"type":"last_sprints","n":3}}""",
            SpecJson.Write(outcome.Spec!));
        var user = fake.Messages(0)[1].Content;
        Assert.Contains("\"name\":\"spillover_ratio\",\"display_name\":\"Spillover ratio\"", user, StringComparison.Ordinal);
        Assert.Contains("{\"name\":\"Atlas\",\"key\":\"ATL\"}", user, StringComparison.Ordinal);
        Assert.Contains("{\"name\":\"Orion\",\"key\":\"ORI\"}", user, StringComparison.Ordinal);
        Assert.Contains("\"assignee\":[\"Ann\",\"Bob\",\"Cy\",\"Dee\"]", user, StringComparison.Ordinal);
        Assert.Contains("as_of: 2024-04-25T00:00:00Z", user, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_through_the_whole_stack_gives_the_offline_translators_answer()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        await using var fake = await FakeOpenAi.StartAsync(FakeReply.Slow(TimeSpan.FromSeconds(60), "{}"));
        using var host = SeededHost(seeded.Db, fake.Endpoint, timeoutSeconds: 1);

        var outcome = await host.Services.GetRequiredService<IQuestionTranslator>().TranslateAsync(
            seeded.Slug, new TranslationRequest("velocity by team in the last 3 sprints", QueryFixture.AsOf), Ct);

        Assert.Equal(TranslatorNames.Offline, outcome.Translator);
        Assert.Equal("llm timed out after 1 s; offline translator answered", outcome.Notes[0]);
        Assert.Equal(["velocity"], outcome.Spec!.Metrics);
    }

    private static IHost BareHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSpiralTranslation();
        return builder.Build();
    }

    private static IHost SeededHost(TestDatabase db, Uri endpoint, int timeoutSeconds = 10) => db.BuildHost(b =>
    {
        b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Translator:Llm:Endpoint"] = endpoint.ToString(),
            ["Translator:Llm:Model"] = "fake-model",
            ["Translator:Llm:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        b.AddSpiralCatalog();
        b.AddSpiralQueries();
        b.AddSpiralTranslation();
    });
}
