using SpiralAnalytics.Core.Alerts;

namespace SpiralAnalytics.Core.Tests.Alerts;

public sealed class AlertSentenceParserTests
{
    [Theory]
    [InlineData("tell me when Phoenix's spillover is above 20% two sprints running", "Phoenix's spillover is above 20%", 2)]
    [InlineData("Alert me if Atlas velocity is below 20 for 3 sprints in a row", "Atlas velocity is below 20", 3)]
    [InlineData("let us know when the reopen rate is over 10% for two consecutive sprints", "the reopen rate is over 10%", 2)]
    [InlineData("notify me when spillover tops 30% twice in a row", "spillover tops 30%", 2)]
    [InlineData("please warn me whenever Orion's blocked time is above 40 hours", "Orion's blocked time is above 40 hours", null)]
    public void The_lead_and_a_run_of_sprints_are_read_and_the_rest_is_the_question(string sentence, string question, int? sprints)
    {
        var parsed = AlertSentenceParser.Parse(sentence);
        Assert.Equal(question, parsed.Question);
        Assert.Equal(sprints, parsed.Sprints);
        Assert.Null(parsed.AbsZ);
    }

    [Fact]
    public void A_window_of_sprints_without_a_run_word_is_left_to_the_translator()
    {
        var parsed = AlertSentenceParser.Parse("tell me when spillover over the last 3 sprints is above 20%");
        Assert.Null(parsed.Sprints);
        Assert.Contains("last 3 sprints", parsed.Question, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tell me when Orion's blocked time is unusual", 2.0, "Orion's blocked time")]
    [InlineData("alert me when Nova's reopen rate is more than 2.5 sigma from normal", 2.5, "Nova's reopen rate")]
    [InlineData("tell me if velocity |z| above 3", 3.0, "velocity")]
    [InlineData("tell me when Atlas spillover looks anomalous two sprints running", 2.0, "Atlas spillover")]
    public void Anomaly_words_and_sigma_bounds_become_a_z_bound(string sentence, double z, string question)
    {
        var parsed = AlertSentenceParser.Parse(sentence);
        Assert.Equal(z, parsed.AbsZ);
        Assert.Equal(question, parsed.Question);
    }
}
