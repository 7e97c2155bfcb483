using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Ask;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Verified;
using SpiralAnalytics.Integration.Tests.Ask;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Verified;

/// <summary>
/// Verified questions in the store and in the ask pipeline (in process, as <c>spiral ask</c> runs it), over a seeded
/// tenant and another tenant with the same team names. The test translator fails the test for any question that is not
/// "spec: {json}", so an answer to a plain question can only have come from a verified pair.
/// </summary>
public sealed class VerifiedQuestionTests(PostgresServer server)
{
    private const string Question = "Which team spilled the most over the last 3 sprints?";

    private const string Spec = """{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"sort":[{"by":"spillover_ratio","dir":"desc"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AnalyticsSpec Parse(string json) => SpecJson.Parse(json).Spec!;

    private static T Service<T>(IHost host)
        where T : notnull => host.Services.GetRequiredService<T>();

    private static IHost Host(TestDatabase db, TestTranslator translator, string threshold = "0.9") =>
        AskHost.Build(db, translator, settings: new Dictionary<string, string?> { ["Verified:SimilarityThreshold"] = threshold });

    [Fact]
    public async Task Tenant_B_can_neither_see_nor_use_nor_remove_the_verified_questions_of_tenant_A()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(VerifiedQuestionTests));
        var translator = new TestTranslator();
        using var host = Host(seeded.Db, translator);
        var store = Service<VerifiedQuestionStore>(host);
        var question = $"isolation check {Guid.NewGuid():N}: spillover by team";
        var (pair, created) = await store.AddAsync(seeded.Slug, question, Parse(Spec), "ada", null, null, Ct);
        Assert.True(created);

        Assert.Contains(await store.ListAsync(seeded.Slug, null, Ct), p => p.Id == pair.Id);
        Assert.DoesNotContain(await store.ListAsync(seeded.Other, null, Ct), p => p.Id == pair.Id);
        Assert.NotNull(await store.MatchAsync(seeded.Slug, question, Ct));
        Assert.Null(await store.MatchAsync(seeded.Other, question, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => store.GetAsync(seeded.Other, pair.Id, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => store.RemoveAsync(seeded.Other, pair.Id, Ct));
        Assert.Equal(pair.Id, (await store.GetAsync(seeded.Slug, pair.Id, Ct)).Id);

        // B asking A's verified question word for word: B's translator answers, never A's spec
        var otherId = await Service<Infrastructure.Tenants.TenantDirectory>(host).ResolveAsync(seeded.Other, Ct);
        var (_, job) = await Service<AskService>(host).CreateAsync(seeded.Other, "bob", question, null, AskFixture.AsOf, Ct);
        await Service<AskPipeline>(host).RunAsync(seeded.Other, otherId, job.Id, lastAttempt: true, Ct);
        Assert.Contains(translator.Requests, r => r.Question == question);
        var row = await Service<JobStore>(host).GetAsync(otherId, job.Id, Ct);
        Assert.NotEqual(AskPipeline.VerifiedTranslator, row!.Translator);

        // and the same as raw SQL in B's session: the row is not there, and writing it as A's is refused
        await using var session = await TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, otherId, Ct);
        await using (var count = session.Command("SELECT count(*) FROM verified_questions WHERE id = $1"))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = pair.Id });
            Assert.Equal(0L, await count.ExecuteScalarAsync(Ct));
        }

        await using var forge = session.Command(
            "INSERT INTO verified_questions (tenant_id, question, question_normalized, spec, state, verified_at) VALUES ($1, 'x', 'x', '{}', 'verified', now())");
        forge.Parameters.Add(new NpgsqlParameter { Value = seeded.TenantId });
        var error = await Assert.ThrowsAsync<PostgresException>(() => forge.ExecuteNonQueryAsync(Ct));
        Assert.Equal("42501", error.SqlState);
    }

    [Fact]
    public async Task A_question_with_the_text_of_a_verified_one_is_answered_with_its_spec_marked_verified()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(VerifiedQuestionTests));
        var translator = new TestTranslator();
        using var host = Host(seeded.Db, translator);
        var (pair, _) = await Service<VerifiedQuestionStore>(host).AddAsync(seeded.Slug, Question, Parse(Spec), "ada", null, null, Ct);

        var (job, result) = await AskAsync(host, seeded, "which team SPILLED the most — over the last 3 sprints");

        Assert.Empty(translator.Requests);
        Assert.Equal(AskPipeline.VerifiedTranslator, job.Translator);
        Assert.Equal(new VerifiedAnswer(pair.Id, Question, VerifiedMatch.Exact, 1.0), result.Verified);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(SpecJson.ToNode(Parse(Spec)), result.Spec), result.Spec.ToJsonString());
        Assert.Contains("verified question", job.Notes!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("spillover ratio per team, each team's last 3 closed sprints, highest spillover ratio first", result.Understood);
        var leader = result.Rows.First(r => r["spillover_ratio"] is not null);
        Assert.StartsWith($"{leader["team"]} had the highest spillover ratio: ", result.Summary, StringComparison.Ordinal);

        // the same answer served from the cache is still marked verified
        var (_, cached) = await AskAsync(host, seeded, Question);
        Assert.Equal("hit", cached.Cache);
        Assert.Equal(pair.Id, cached.Verified?.Id);
    }

    [Fact]
    public async Task A_similar_question_is_answered_verified_only_above_the_threshold_and_with_the_same_numbers()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(VerifiedQuestionTests));
        var translator = new TestTranslator();
        const string verified = "average velocity of each team over the last 4 sprints";
        const string otherNumber = "average velocity of each team over the last 5 sprints";
        using var probe = Host(seeded.Db, translator);
        var embedder = Service<IEmbeddingGenerator<string, Embedding<float>>>(probe);

        // a rewording the configured embedder places close to the verified question but not on it (embedders differ in what they ignore)
        string[] rewordings =
        [
            "average velocity for each team in the last 4 sprints",
            "typical velocity of every team during the last 4 sprints",
            "what was the average sprint velocity per team, last 4 sprints",
        ];
        var (similar, similarity) = (rewordings[0], 0.0);
        foreach (var rewording in rewordings)
        {
            (similar, similarity) = (rewording, await SimilarityAsync(embedder, verified, rewording));
            if (similarity < 0.999)
            {
                break;
            }
        }

        Assert.True(similarity is > 0.5 and < 0.999, $"'{similar}' embeds close to the verified question but not equal ({similarity})");

        // threshold just below the pair's similarity: it matches; just above: it does not
        using var host = Host(seeded.Db, translator, (similarity - 0.01).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
        var store = Service<VerifiedQuestionStore>(host);
        var (pair, _) = await store.AddAsync(seeded.Slug, verified,
            Parse("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":4}}"""), "ada", null, null, Ct);
        var match = await store.MatchAsync(seeded.Slug, similar, Ct);
        Assert.Equal(pair.Id, match?.Pair.Id);
        Assert.Equal(VerifiedMatch.Similar, match!.Kind);
        Assert.InRange(match.Similarity, similarity - 0.001, similarity + 0.001);
        var (job, result) = await AskAsync(host, seeded, similar);
        Assert.Equal(AskPipeline.VerifiedTranslator, job.Translator);
        Assert.Equal(VerifiedMatch.Similar, result.Verified!.Match);

        Assert.Null(await store.MatchAsync(seeded.Slug, otherNumber, Ct));

        // inside a conversation with an earlier answer the question may be a follow-up: only the same text answers there
        var conversation = Guid.NewGuid();
        var (tenantId, earlier) = await Service<AskService>(host).CreateAsync(seeded.Slug, "lena",
            AskFixture.Question("""{"metrics":["bug_count"],"time":{"type":"all"}}"""), conversation, AskFixture.AsOf, Ct);
        await Service<AskPipeline>(host).RunAsync(seeded.Slug, tenantId, earlier.Id, lastAttempt: true, Ct);
        var (_, later) = await Service<AskService>(host).CreateAsync(seeded.Slug, "lena", similar, conversation, AskFixture.AsOf.AddSeconds(1), Ct);
        await Service<AskPipeline>(host).RunAsync(seeded.Slug, tenantId, later.Id, lastAttempt: true, Ct);
        Assert.NotEqual(AskPipeline.VerifiedTranslator, (await Service<JobStore>(host).GetAsync(tenantId, later.Id, Ct))!.Translator);
        Assert.Contains(translator.Requests, r => r.Question == similar && r.Previous is not null);
        var (_, same) = await Service<AskService>(host).CreateAsync(seeded.Slug, "lena", verified, conversation, AskFixture.AsOf.AddSeconds(2), Ct);
        await Service<AskPipeline>(host).RunAsync(seeded.Slug, tenantId, same.Id, lastAttempt: true, Ct);
        Assert.Equal(AskPipeline.VerifiedTranslator, (await Service<JobStore>(host).GetAsync(tenantId, same.Id, Ct))!.Translator);
        using var strict = Host(seeded.Db, translator, Math.Min(1.0, similarity + 0.01).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(await Service<VerifiedQuestionStore>(strict).MatchAsync(seeded.Slug, similar, Ct));
    }

    [Fact]
    public async Task A_pair_embedded_by_another_embedder_is_re_embedded_when_searched()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(VerifiedQuestionTests));
        using var host = Host(seeded.Db, new TestTranslator(), "0.5");
        var store = Service<VerifiedQuestionStore>(host);
        var question = $"re-embed check {Guid.NewGuid():N} velocity per team";
        var (pair, _) = await store.AddAsync(seeded.Slug, question, Parse("""{"metrics":["velocity"],"group_by":["team"]}"""), "ada", null, null, Ct);
        await using (var owner = seeded.Db.DataSources.Owner.CreateCommand("UPDATE verified_questions SET embedder_id = 'old-model@384', embedding = NULL WHERE id = $1"))
        {
            owner.Parameters.Add(new NpgsqlParameter { Value = pair.Id });
            await owner.ExecuteNonQueryAsync(Ct);
        }

        var examples = await store.NearestAsync(seeded.Slug, question + " please", 50, Ct);
        Assert.Contains(examples, e => e.Question == question);
        Assert.Equal(pair.EmbedderId, (await store.GetAsync(seeded.Slug, pair.Id, Ct)).EmbedderId);
    }

    [Fact]
    public async Task A_spec_that_does_not_validate_is_refused_with_its_typed_errors_and_nothing_is_stored()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(VerifiedQuestionTests));
        using var host = Host(seeded.Db, new TestTranslator());
        var store = Service<VerifiedQuestionStore>(host);
        var before = (await store.ListAsync(seeded.Slug, null, Ct)).Count;
        var error = await Assert.ThrowsAsync<SpecValidationException>(() =>
            store.AddAsync(seeded.Slug, "velocity of the Zeppelin team", Parse("""{"metrics":["velocity"],"filters":[{"dimension":"team","op":"eq","values":["Zeppelin"]}]}"""), "ada", null, null, Ct));
        Assert.Equal("filters[0].values[0]", error.Errors[0].Path);
        await Assert.ThrowsAsync<UserErrorException>(() => store.AddAsync(seeded.Slug, " ?! ", Parse(Spec), "ada", null, null, Ct));
        Assert.Equal(before, (await store.ListAsync(seeded.Slug, null, Ct)).Count);
    }

    [Fact]
    public async Task The_llm_translators_prompt_carries_the_nearest_verified_pairs_of_the_tenant_only()
    {
        var seeded = await AskFixture.SeededAsync(server, nameof(VerifiedQuestionTests));
        const string answer = """{"metrics":["bug_count"],"group_by":["team"],"time":{"type":"all"}}""";
        await using var fake = await Translation.FakeOpenAi.StartAsync(Translation.FakeReply.Answer(answer));
        using var host = seeded.Db.BuildHost(b =>
        {
            Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(b.Configuration, new Dictionary<string, string?>
            {
                ["Translator:Llm:Endpoint"] = fake.Endpoint.ToString(),
                ["Translator:Llm:Model"] = "fake-model",
            });
            Infrastructure.CatalogServiceCollectionExtensions.AddSpiralCatalog(b);
            Infrastructure.QueriesServiceCollectionExtensions.AddSpiralQueries(b);
            Infrastructure.TranslationServiceCollectionExtensions.AddSpiralTranslation(b);
            Infrastructure.VerifiedServiceCollectionExtensions.AddSpiralVerified(b);
        });
        var store = Service<VerifiedQuestionStore>(host);
        var mine = $"how many bugs did each team open ({Guid.NewGuid():N})";
        var theirs = $"how many bugs did each team open, other tenant ({Guid.NewGuid():N})";
        await store.AddAsync(seeded.Slug, mine, Parse(answer), "ada", null, null, Ct);
        await store.AddAsync(seeded.Other, theirs, Parse("""{"metrics":["bug_count"],"time":{"type":"all"}}"""), "oscar", null, null, Ct);

        var outcome = await Service<Infrastructure.Translation.IQuestionTranslator>(host).TranslateAsync(
            seeded.Slug, new Core.Translation.TranslationRequest("bugs opened per team", AskFixture.AsOf), Ct);

        Assert.Equal("llm", outcome.Translator);
        var user = fake.Messages(0)[1].Content;
        Assert.Contains("Verified questions of this tenant", user, StringComparison.Ordinal);
        Assert.Contains(JsonSerializer.Serialize(mine), user, StringComparison.Ordinal);
        Assert.DoesNotContain(theirs, user, StringComparison.Ordinal);

        // the pair of the very question asked is its answer, not an example: a model shown it would only copy it
        var examples = await store.NearestAsync(seeded.Slug, mine, 5, Ct);
        Assert.DoesNotContain(examples, e => e.Question == mine);
    }

    private static async Task<(JobRecord Job, QueryResult Result)> AskAsync(IHost host, QueryFixture.Seeded seeded, string question)
    {
        var (tenantId, job) = await Service<AskService>(host).CreateAsync(seeded.Slug, "lena", question, null, AskFixture.AsOf, Ct);
        Assert.Equal(AskRunOutcome.Finished, await Service<AskPipeline>(host).RunAsync(seeded.Slug, tenantId, job.Id, lastAttempt: true, Ct));
        var row = await Service<JobStore>(host).GetAsync(tenantId, job.Id, Ct);
        Assert.True(row!.Status == JobStatuses.Completed, $"{row.Status}: {row.Error}");
        return (row, row.Result!.Deserialize(AskJsonContext.Default.QueryResult)!);
    }

    private static async Task<double> SimilarityAsync(IEmbeddingGenerator<string, Embedding<float>> embedder, string a, string b)
    {
        var vectors = await embedder.GenerateAsync([a, b], cancellationToken: Ct);
        var x = vectors[0].Vector.Span;
        var y = vectors[1].Vector.Span;
        double dot = 0, nx = 0, ny = 0;
        for (var i = 0; i < x.Length; i++)
        {
            dot += x[i] * y[i];
            nx += x[i] * x[i];
            ny += y[i] * y[i];
        }

        return dot / Math.Sqrt(nx * ny);
    }
}
