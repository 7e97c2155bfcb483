using System.Globalization;
using System.Text.RegularExpressions;

namespace SpiralAnalytics.Core.Alerts;

/// <summary>
/// The alert-specific parts of a plain-language rule ("tell me when Phoenix's spillover is above 20% two sprints running"):
/// the run length and an anomaly bound, read and removed here; what is left ("Phoenix's spillover is above 20%") is a
/// question the translator turns into a spec (metric, team filter, and the threshold as <c>having</c>).
/// </summary>
/// <param name="Question">The sentence without the lead ("tell me when") and the parts read here.</param>
/// <param name="Sprints">"two sprints running", "3 sprints in a row", "for 2 consecutive sprints"; null when not said.</param>
/// <param name="AbsZ">"more than 2.5 sigma", "|z| above 3", "unusual" (= <see cref="DefaultAnomalyZ"/>); null when not said.</param>
public sealed record AlertSentence(string Question, int? Sprints, double? AbsZ)
{
    /// <summary>The anomaly flag's bound, |z| ≥ 2 (ANALYTICS-SPEC's anomaly rule), for "unusual" without a number.</summary>
    public const double DefaultAnomalyZ = 2;
}

public static partial class AlertSentenceParser
{
    private static readonly string[] NumberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

    private const string Count = @"(?<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)";

    [GeneratedRegex(@"^\s*(?:please\s+)?(?:(?:tell|alert|notify|warn|ping|email|message)\s+(?:me|us|the\s+team)|let\s+(?:me|us)\s+know|send\s+(?:me\s+|us\s+)?an?\s+alert)\s+(?:when(?:ever)?|if|once|as\s+soon\s+as)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex Lead();

    [GeneratedRegex(@"\s*,?\s*(?:(?:for|in|over)\s+)?(?:the\s+last\s+)?" + Count + @"\s+(?:consecutive\s+|straight\s+|successive\s+)?sprints?\s*(?:running|in\s+a\s+row|straight|consecutively|on\s+end|back\s+to\s+back)?", RegexOptions.IgnoreCase)]
    private static partial Regex Run();

    [GeneratedRegex(@"\s*,?\s*(?<twice>twice|two\s+times|three\s+times|thrice)\s+in\s+a\s+row", RegexOptions.IgnoreCase)]
    private static partial Regex Times();

    [GeneratedRegex(@"\s*(?:\|\s*z\s*\||z-?score|the\s+z\s+score|z)\s*(?:is\s+)?(?:above|over|beyond|exceeds|greater\s+than|more\s+than|>=?)\s*(?<k>\d+(?:\.\d+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex ZBound();

    [GeneratedRegex(@"\s*(?:is\s+|goes\s+|gets\s+)?(?:(?:more\s+than|over|above|beyond|at\s+least)\s+)?(?<k>\d+(?:\.\d+)?)\s*(?:σ|sigma|standard\s+deviations?|std\s*devs?|sd)\b(?:\s+(?:from|off|away\s+from|above|below)\s+(?:its\s+|the\s+(?:team'?s\s+)?)?(?:normal|usual|baseline|mean|average))?", RegexOptions.IgnoreCase)]
    private static partial Regex Sigma();

    [GeneratedRegex(@"\s*(?:is\s+|looks\s+|gets\s+|goes\s+)?(?:unusual(?:ly\s+\w+)?|anomalous|abnormal|an\s+anomaly|an\s+outlier|out\s+of\s+the\s+ordinary|out\s+of\s+line|spikes?|off\s+the\s+charts?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Unusual();

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Spaces();

    public static AlertSentence Parse(string sentence)
    {
        var text = Lead().Replace(sentence.Trim(), "", 1);
        int? sprints = null;
        var run = Run().Match(text);
        // "last 3 sprints" without "running/in a row/consecutive" is a window, not a run: only a marked run counts
        if (run.Success && Regex.IsMatch(run.Value, @"running|in\s+a\s+row|straight|consecutive|successive|on\s+end|back\s+to\s+back", RegexOptions.IgnoreCase))
        {
            sprints = CountOf(run.Groups["n"].Value);
            text = text.Remove(run.Index, run.Length);
        }
        else if (Times().Match(text) is { Success: true } times)
        {
            sprints = times.Groups["twice"].Value.StartsWith("three", StringComparison.OrdinalIgnoreCase) || times.Groups["twice"].Value.Equals("thrice", StringComparison.OrdinalIgnoreCase) ? 3 : 2;
            text = text.Remove(times.Index, times.Length);
        }

        double? z = null;
        foreach (var pattern in new[] { ZBound(), Sigma() })
        {
            if (z is null && pattern.Match(text) is { Success: true } bound)
            {
                z = double.Parse(bound.Groups["k"].Value, CultureInfo.InvariantCulture);
                text = text.Remove(bound.Index, bound.Length);
            }
        }

        if (z is null && Unusual().Match(text) is { Success: true } unusual)
        {
            z = AlertSentence.DefaultAnomalyZ;
            text = text.Remove(unusual.Index, unusual.Length);
        }

        text = Spaces().Replace(text, " ").Trim().TrimEnd('.', '!', ',', ' ');
        return new AlertSentence(text, sprints, z);
    }

    private static int CountOf(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : Array.IndexOf(NumberWords, value.ToLowerInvariant());
}
