using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Overview;

/// <summary>
/// Builds the health overview: resolves the scope (one team or all of them), then runs every registered
/// <see cref="IOverviewProvider"/> side by side, each under <see cref="OverviewOptions.ProviderTimeoutSeconds"/>. A provider that
/// throws or overruns becomes its own card's error (logged with the provider's name); the others are unaffected.
/// </summary>
public sealed class OverviewService(
    IEnumerable<IOverviewProvider> providers,
    SpiralDataSources data,
    CatalogReader catalogs,
    TenantDirectory tenants,
    IOptions<OverviewOptions> options,
    ILogger<OverviewService> logger,
    TimeProvider? clock = null)
{
    private readonly IReadOnlyList<IOverviewProvider> _providers = providers.ToList();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Guid Tenant, string? Team, DateTimeOffset AsOf, long Version), (OverviewResponse Response, DateTimeOffset Until)> _cache = new();

    private const int MaxCached = 512;

    public IReadOnlyList<string> ProviderNames => _providers.Select(p => p.Name).ToList();

    public async Task<OverviewResponse> BuildAsync(string tenant, string? team, DateTimeOffset? asOf, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var tenantId = await tenants.ResolveAsync(tenant, ct);
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        // "now" to the minute, as the ask pipeline does: repeats within the minute are the same question
        var at = (asOf ?? new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero)).ToUniversalTime();
        var version = await AnalyticsRefresher.DataVersionAsync(data.Runtime, ct);
        var settings = options.Value;
        var key = (tenantId, string.IsNullOrWhiteSpace(team) ? null : team.Trim().ToLowerInvariant(), at, version);
        if (settings.CacheSeconds > 0 && _cache.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return cached.Response with { Cache = "hit", ElapsedMs = Math.Round(started.Elapsed.TotalMilliseconds, 1) };
        }

        var catalog = await catalogs.LoadAsync(tenantId, ct);
        IReadOnlyList<string> teams;
        await using (var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct))
        {
            var values = await TenantDimensionReader.ReadAsync(session, [Dimensions.Team], ct);
            await session.CommitAsync(ct);
            var all = values.Members(Dimensions.Team).Select(m => m.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (string.IsNullOrWhiteSpace(team))
            {
                teams = all;
                team = null;
            }
            else
            {
                team = values.Resolve(Dimensions.Team, team.Trim()) ?? throw new UserErrorException(
                    $"team: '{team}' is not a team of this tenant; allowed: {string.Join(", ", all)}");
                teams = [team];
            }
        }

        var request = new OverviewRequest(tenant, tenantId, catalog, teams, team, at);
        var cards = await Task.WhenAll(_providers.Select(p => RunAsync(p, request, ct)));
        var response = new OverviewResponse(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), team, teams,
            settings.AnomalyZ, cards, Math.Round(started.Elapsed.TotalMilliseconds, 1)) { DataVersion = version };
        // only a complete overview is reused: a card that failed or timed out is tried again next time
        if (settings.CacheSeconds > 0 && cards.All(c => c.Status == OverviewCard.Ok))
        {
            if (_cache.Count >= MaxCached)
            {
                foreach (var old in _cache.Where(e => e.Value.Until <= now || e.Key.Version < version).Select(e => e.Key).ToList())
                {
                    _cache.TryRemove(old, out _);
                }

                if (_cache.Count >= MaxCached)
                {
                    _cache.Clear();
                }
            }

            _cache[key] = (response, now.AddSeconds(settings.CacheSeconds));
        }

        return response;
    }

    private async Task<OverviewCard> RunAsync(IOverviewProvider provider, OverviewRequest request, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.ProviderTimeoutSeconds);
        var clock = Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            // WaitAsync: a provider that ignores its token still cannot hold the page past the timeout
            var card = await Task.Run(() => provider.ComputeAsync(request, limit.Token), CancellationToken.None).WaitAsync(timeout, ct);
            Log.OverviewProviderComputed(logger, provider.Name, request.Tenant, (long)clock.ElapsedMilliseconds);
            return card;
        }
        catch (Exception e) when (!ct.IsCancellationRequested && (e is TimeoutException || (e is OperationCanceledException && limit.IsCancellationRequested)))
        {
            Log.OverviewProviderTimedOut(logger, provider.Name, request.Tenant, options.Value.ProviderTimeoutSeconds);
            return new OverviewCard(provider.Name, CategoryOverviewProvider.TitleOf(provider.Name), OverviewCard.TimedOut,
                $"{provider.Name} did not answer within {options.Value.ProviderTimeoutSeconds} s", Math.Round(clock.Elapsed.TotalMilliseconds, 1), [], []);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            Log.OverviewProviderFailed(logger, e, provider.Name, request.Tenant);
            // a user error (an unknown key metric, say) is the card's to show; anything else shows no internals
            var message = e is UserErrorException user ? user.Message : $"{provider.Name} could not be computed; the error was logged";
            return new OverviewCard(provider.Name, CategoryOverviewProvider.TitleOf(provider.Name), OverviewCard.Failed, message,
                Math.Round(clock.Elapsed.TotalMilliseconds, 1), [], []);
        }
    }
}
