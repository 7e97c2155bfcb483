using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Infrastructure.Catalog;

namespace SpiralAnalytics.Integration.Tests.Catalog;

/// <summary>The embedders on their own: no database, no network (the OpenAI-compatible one talks to a fake handler).</summary>
public sealed class EmbedderTests
{
    [Fact]
    public async Task The_local_embedder_is_deterministic_normalised_and_384_wide()
    {
        using var embedder = new LocalHashEmbeddingGenerator();

        var embeddings = await embedder.GenerateAsync(["carry over work", "carry over work", "Carry-over WORK!"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(384, embeddings[0].Vector.Length);
        Assert.Equal(1.0, Math.Sqrt(embeddings[0].Vector.ToArray().Sum(x => (double)x * x)), 5);
        Assert.Equal(embeddings[0].Vector.ToArray(), embeddings[1].Vector.ToArray());
        Assert.Equal(embeddings[0].Vector.ToArray(), embeddings[2].Vector.ToArray());
        Assert.Equal("local-hash-ngram-v1@384", CatalogEmbeddings.IdentityOf(embedder));
    }

    [Fact]
    public void Paraphrases_are_closer_than_unrelated_text()
    {
        static double Cosine(string a, string b) =>
            LocalHashEmbeddingGenerator.Embed(a).Zip(LocalHashEmbeddingGenerator.Embed(b)).Sum(p => (double)p.First * p.Second);

        Assert.True(Cosine("tickets reopened after done", "issues moved back from done to in progress")
                    > Cosine("tickets reopened after done", "story points committed at sprint start"));
        Assert.True(Cosine("carried over work", "carry-over") > 0.3);
    }

    [Fact]
    public async Task The_openai_compatible_embedder_asks_for_384_dimensions_and_reads_the_answer()
    {
        var handler = new FakeHandler(_ => Json($$"""{"data":[{"index":1,"embedding":[{{Vector(0.5f)}}]},{"index":0,"embedding":[{{Vector(2f)}}]}]}"""));
        using var embedder = new OpenAiCompatibleEmbeddingGenerator(new HttpClient(handler),
            new EmbeddingOptions { Provider = "openai", Endpoint = new Uri("http://127.0.0.1:9/v1/"), ApiKey = "k", Model = "m" });

        var embeddings = await embedder.GenerateAsync(["a", "b"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("http://127.0.0.1:9/v1/embeddings", handler.Request!.RequestUri!.ToString());
        Assert.Equal("Bearer k", handler.Request.Headers.Authorization!.ToString());
        Assert.Equal("""{"model":"m","input":["a","b"],"dimensions":384}""", handler.Body);
        Assert.Equal(1.0, Math.Sqrt(embeddings[0].Vector.ToArray().Sum(x => (double)x * x)), 5);
        Assert.Equal("openai-compatible-m@384", CatalogEmbeddings.IdentityOf(embedder));
    }

    [Fact]
    public async Task The_openai_compatible_embedder_refuses_another_width()
    {
        var handler = new FakeHandler(_ => Json("""{"data":[{"index":0,"embedding":[0.1,0.2]}]}"""));
        using var embedder = new OpenAiCompatibleEmbeddingGenerator(new HttpClient(handler),
            new EmbeddingOptions { Provider = "openai", Endpoint = new Uri("http://127.0.0.1:9/v1") });

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => embedder.GenerateAsync(["a"], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("returned 2 dimensions; the catalog stores 384", error.Message);
    }

    [Fact]
    public void Configuration_chooses_the_embedder_and_openai_needs_an_endpoint()
    {
        static IHost Build(Dictionary<string, string?> settings)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.AddSpiralCatalog();
            return builder.Build();
        }

        using var byDefault = Build([]);
        using var local = Build(new() { ["Spiral:Embeddings:Provider"] = "local" });
        using var openai = Build(new() { ["Spiral:Embeddings:Provider"] = "openai", ["Spiral:Embeddings:Endpoint"] = "http://127.0.0.1:11434/v1", ["Spiral:Embeddings:Model"] = "nomic" });
        using var broken = Build(new() { ["Spiral:Embeddings:Provider"] = "openai" });

        Assert.IsType<SentenceEmbeddingGenerator>(byDefault.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.IsType<LocalHashEmbeddingGenerator>(local.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Equal("openai-compatible-nomic@384",
            CatalogEmbeddings.IdentityOf(openai.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()));
        var error = Assert.Throws<OptionsValidationException>(() => broken.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Contains("Spiral:Embeddings:Endpoint is required when Provider is 'openai'", error.Message);
    }

    private static string Vector(float value) => string.Join(',', Enumerable.Repeat(value.ToString(System.Globalization.CultureInfo.InvariantCulture), 384));

    private static HttpResponseMessage Json(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private sealed class FakeHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public HttpRequestMessage? Request { get; private set; }

        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Request = request;
            Body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            return respond(request);
        }
    }
}
