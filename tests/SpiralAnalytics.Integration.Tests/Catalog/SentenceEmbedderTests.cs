using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Catalog;

/// <summary>
/// The packaged sentence-embedding models (no database, no network): shape, default, failure at start on a broken model
/// file, and the comparison that chose the default (rank-1 accuracy of catalog search by embedding similarity alone).
/// </summary>
public sealed class SentenceEmbedderTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MiniLm_is_the_default_embedder_deterministic_normalised_and_384_wide()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddSpiralCatalog();
        using var host = builder.Build();
        var embedder = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var embeddings = await embedder.GenerateAsync(["carry over work", "carry over work"], cancellationToken: Ct);

        Assert.IsType<SentenceEmbeddingGenerator>(embedder);
        Assert.Equal("onnx-all-MiniLM-L6-v2@384", CatalogEmbeddings.IdentityOf(embedder));
        Assert.Equal(384, embeddings[0].Vector.Length);
        Assert.Equal(1.0, Math.Sqrt(embeddings[0].Vector.ToArray().Sum(x => (double)x * x)), 4);
        Assert.Equal(embeddings[0].Vector.ToArray(), embeddings[1].Vector.ToArray());
    }

    [Fact]
    public void Casual_verbs_land_near_the_metric_they_mean()
    {
        var embedder = new SentenceEmbeddingGenerator();
        double Cosine(string a, string b) => embedder.Embed(a).Zip(embedder.Embed(b)).Sum(p => (double)p.First * p.Second);

        Assert.True(Cosine("points the team knocked out", "completed story points") > Cosine("points the team knocked out", "scope removed"));
        Assert.True(Cosine("work bolted onto the sprint after it started", "scope added mid-sprint") > Cosine("work bolted onto the sprint after it started", "cycle time"));
    }

    [Fact]
    public async Task A_broken_model_file_stops_the_start_with_an_error_naming_it()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("spiral-model-").FullName, "model.onnx");
        await File.WriteAllTextAsync(file, "this is not an onnx model", Ct);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Spiral:Embeddings:ModelPath"] = file });
        builder.AddSpiralCatalog();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<EmbeddingModelException>(() => host.StartAsync(Ct));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid ONNX model", error.Message, StringComparison.Ordinal);
        Assert.Contains("Provider=local", error.Message, StringComparison.Ordinal);

        var absent = Path.Combine(Path.GetDirectoryName(file)!, "absent.onnx");
        var missing = Assert.Throws<EmbeddingModelException>(() => _ = new SentenceEmbeddingGenerator(SentenceEmbeddingGenerator.MiniLm, absent));
        Assert.Contains("could not be read", missing.Message, StringComparison.Ordinal);
        Assert.Contains(absent, missing.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Catalog search by embedding similarity alone (what pgvector ranks; no name/synonym boost) over the shipped catalog's
    /// search texts: rank-1 accuracy for every synonym and display name (query → its metric), and for the chat dev set's
    /// questions whose expected spec names one metric. Written to the output and $SPIRAL_EMBEDDER_REPORT. MiniLM beats
    /// ArcticXs, and what catalog search uses by default — MiniLM blended half and half with the lexical similarity — must
    /// beat every single model on the dev set's phrases.
    /// </summary>
    [Fact]
    public async Task The_default_embedder_ranks_metrics_at_least_as_well_as_the_alternatives()
    {
        var catalog = CatalogLoader.Load(CatalogFixture.Folder).Catalog;
        var metrics = catalog.Active.ToList();
        var phrases = metrics.SelectMany(m => m.Synonyms.Append(m.DisplayName).Select(s => (Text: s, Metric: m.Name))).ToList();
        var questions = File.ReadLines(Path.Combine(RepoPaths.Root, "tests", "SpiralAnalytics.Integration.Tests", "Translation", "translator-eval-chat-dev.jsonl"))
            .Where(l => l.Trim().Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(n => n["expected"] is JsonObject e && e["analysis"] is null && e["metrics"]!.AsArray().Count == 1 && n["previous"] is null)
            .Select(n => (Text: n["question"]!.GetValue<string>(), Metric: n["expected"]!["metrics"]![0]!.GetValue<string>()))
            .ToList();

        var report = new StringBuilder();
        var devAccuracy = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, embedder) in new (string, IEmbeddingGenerator<string, Embedding<float>>)[]
                 {
                     ("minilm", new SentenceEmbeddingGenerator(SentenceEmbeddingGenerator.MiniLm)),
                     ("arcticxs", new SentenceEmbeddingGenerator(SentenceEmbeddingGenerator.ArcticXs)),
                     ("local-hash", new LocalHashEmbeddingGenerator()),
                 })
        {
            var index = (await embedder.GenerateAsync(metrics.Select(CatalogEmbeddings.SearchText), cancellationToken: Ct)).Select(e => e.Vector.ToArray()).ToList();
            async Task<double> RankOne(IReadOnlyList<(string Text, string Metric)> set)
            {
                var vectors = await embedder.GenerateAsync(set.Select(s => s.Text), cancellationToken: Ct);
                var hits = set.Where((s, i) =>
                {
                    var q = vectors[i].Vector.ToArray();
                    var best = index.Select((v, k) => (Score: v.Zip(q).Sum(p => (double)p.First * p.Second), k)).MaxBy(x => x.Score).k;
                    return metrics[best].Name == s.Metric;
                }).Count();
                return (double)hits / set.Count;
            }

            var synonyms = await RankOne(phrases);
            var dev = await RankOne(questions);
            devAccuracy[name] = dev;
            report.AppendLine(CultureInfo.InvariantCulture, $"{name}: synonyms and display names rank-1 {synonyms:P1} ({phrases.Count}); chat dev questions rank-1 {dev:P1} ({questions.Count})");
        }

        // the fusion catalog search uses: MiniLM similarity (pgvector) blended with the vocabulary's lexical (hashed n-gram) similarity
        var minilm = new SentenceEmbeddingGenerator();
        var miniIndex = metrics.Select(m => minilm.Embed(CatalogEmbeddings.SearchText(m))).ToList();
        var hashIndex = metrics.Select(m => LocalHashEmbeddingGenerator.Embed(CatalogEmbeddings.SearchText(m))).ToList();
        foreach (var weight in new[] { 0.3, 0.5, 0.7 })
        {
            double Fused(IReadOnlyList<(string Text, string Metric)> set) => (double)set.Count(s =>
            {
                var (mq, hq) = (minilm.Embed(s.Text), LocalHashEmbeddingGenerator.Embed(s.Text));
                var best = Enumerable.Range(0, metrics.Count).MaxBy(k => weight * Dot(miniIndex[k], mq) + (1 - weight) * Dot(hashIndex[k], hq));
                return metrics[best].Name == s.Metric;
            }) / set.Count;
            var dev = Fused(questions);
            devAccuracy[$"fused{weight}"] = dev;
            report.AppendLine(CultureInfo.InvariantCulture, $"minilm×{weight} + local-hash×{1 - weight:0.0}: synonyms and display names rank-1 {Fused(phrases):P1}; chat dev questions rank-1 {dev:P1}");
        }

        output.WriteLine(report.ToString());
        if (Environment.GetEnvironmentVariable("SPIRAL_EMBEDDER_REPORT") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, report.ToString(), Ct);
        }

        Assert.True(devAccuracy["minilm"] > devAccuracy["arcticxs"], report.ToString());
        Assert.True(new[] { "minilm", "arcticxs", "local-hash" }.All(m => devAccuracy["fused" + CatalogSearch.SemanticWeight.ToString(CultureInfo.InvariantCulture)] > devAccuracy[m]), report.ToString());
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b).Sum(p => (double)p.First * p.Second);
}
