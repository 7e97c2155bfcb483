using System.ComponentModel.DataAnnotations;

namespace SpiralAnalytics.Infrastructure.Verified;

/// <summary>Section <c>Verified</c>: how close a question must be to a verified one to get its spec, and how many examples a model sees.</summary>
public sealed class VerifiedQuestionOptions
{
    public const string Section = "Verified";

    /// <summary>Off: the ask pipeline never answers from verified questions (they can still be stored and checked).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Cosine similarity of the question's embedding to a verified question's at or above which the verified spec answers
    /// (the numbers and scope words must also agree, see <c>VerifiedQuestionText.SameScope</c>). The same normalised text
    /// always matches.
    /// </summary>
    [Range(0.5, 1.0)]
    public double SimilarityThreshold { get; set; } = 0.9;

    /// <summary>How many of the nearest verified pairs the LLM translator's prompt carries as examples (0: none).</summary>
    [Range(0, 20)]
    public int PromptExamples { get; set; } = 3;

    /// <summary>A verified pair less similar than this is not worth showing a model as an example.</summary>
    [Range(0.0, 1.0)]
    public double PromptExampleMinSimilarity { get; set; } = 0.3;
}
