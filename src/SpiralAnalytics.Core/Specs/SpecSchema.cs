namespace SpiralAnalytics.Core.Specs;

/// <summary>The published JSON Schema of AnalyticsSpec v1 (the LLM prompt and the API docs use it; <c>spiral query --schema</c> prints it).</summary>
public static class SpecSchema
{
    private static readonly Lazy<string> Text = new(() =>
    {
        using var stream = typeof(SpecSchema).Assembly.GetManifestResourceStream("analytics-spec.schema.json")
                           ?? throw new InvalidOperationException("the spec schema is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static string Json => Text.Value;
}
