namespace SpiralAnalytics.Integration.Tests.Fixtures;

/// <summary>
/// Test classes that start a Hangfire server. Hangfire.NetCore resolves its storage through the static
/// <c>JobStorage.Current</c>, so two API factories on different databases in parallel would enqueue into each other's
/// storage: these classes run one after the other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HangfireCollection
{
    public const string Name = "Hangfire (one JobStorage.Current per process)";
}
