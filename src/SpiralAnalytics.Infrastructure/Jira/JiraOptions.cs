using System.ComponentModel.DataAnnotations;

namespace SpiralAnalytics.Infrastructure.Jira;

/// <summary>
/// The Jira connector's settings (section <c>Jira</c>). Credentials come from here or from files named on the command
/// line, never from the command line itself.
/// </summary>
public sealed class JiraOptions : IValidatableObject
{
    public const string Section = "Jira";

    /// <summary>The Jira site, e.g. <c>https://example.atlassian.net</c>; the default for the CLI and the schedules.</summary>
    public string? Url { get; set; }

    /// <summary>Jira Cloud: the account's email, used with <see cref="ApiToken"/> (basic authentication).</summary>
    public string? Email { get; set; }

    public string? ApiToken { get; set; }

    /// <summary>A file holding the API token (the alternative to <see cref="ApiToken"/>).</summary>
    public string? ApiTokenFile { get; set; }

    /// <summary>Jira Data Center / Server: a personal access token (bearer authentication).</summary>
    public string? PersonalAccessToken { get; set; }

    public string? PersonalAccessTokenFile { get; set; }

    /// <summary>The platform REST API version used for statuses, fields and changelogs: 2 (Cloud and Server) or 3 (Cloud).</summary>
    [Range(2, 3)]
    public int ApiVersion { get; set; } = 2;

    /// <summary>Items asked for per page; Jira may return fewer, and paging follows what it returns.</summary>
    [Range(1, 1000)]
    public int PageSize { get; set; } = 100;

    /// <summary>Retries of one request after a transient failure (connection error, timeout, 429, 5xx).</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>First backoff delay; doubles with each retry (with jitter).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest <c>Retry-After</c> that is honoured; a longer one is cut to this.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How far before the last sync the incremental JQL (<c>updated &gt;= …</c>) starts. JQL dates are read in the Jira
    /// user's time zone and have minute precision, so the window overlaps; re-read issues that did not change write nothing.
    /// </summary>
    public TimeSpan SyncOverlap { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Field ids that override discovery through <c>api/N/field</c>.</summary>
    public JiraFieldOptions Fields { get; set; } = new();

    /// <summary>Statuses that count as blocked, besides the Flagged field (default: <c>Blocked</c>).</summary>
    public string[]? BlockedStatuses { get; set; }

    /// <summary>Status name → <c>todo</c>, <c>in_progress</c> or <c>done</c>, for statuses Jira no longer lists or that it categorises wrongly.</summary>
    public Dictionary<string, string> StatusCategories { get; set; } = [];

    /// <summary>The boards synced on a schedule, per tenant.</summary>
    public List<JiraScheduledBoard> Schedules { get; set; } = [];

    public IReadOnlyList<string> EffectiveBlockedStatuses => BlockedStatuses ?? ["Blocked"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, category) in StatusCategories)
        {
            if (category is not ("todo" or "in_progress" or "done"))
            {
                yield return new ValidationResult(
                    $"Jira:StatusCategories:{name} is '{category}': use todo, in_progress or done", [nameof(StatusCategories)]);
            }
        }

        for (var i = 0; i < Schedules.Count; i++)
        {
            var schedule = Schedules[i];
            if (string.IsNullOrWhiteSpace(schedule.Tenant) || schedule.Board <= 0)
            {
                yield return new ValidationResult($"Jira:Schedules:{i} needs a Tenant and a Board id", [nameof(Schedules)]);
            }

            if (string.IsNullOrWhiteSpace(schedule.Url ?? Url))
            {
                yield return new ValidationResult($"Jira:Schedules:{i} has no Url and Jira:Url is not set", [nameof(Schedules)]);
            }
        }

        if (RetryBaseDelay < TimeSpan.Zero || MaxRetryAfter < TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero || SyncOverlap < TimeSpan.Zero)
        {
            yield return new ValidationResult("Jira: delays and timeouts must not be negative", [nameof(RetryBaseDelay)]);
        }
    }
}

/// <summary>Field ids (<c>customfield_NNNNN</c>) that win over what <c>api/N/field</c> says.</summary>
public sealed class JiraFieldOptions
{
    public string? StoryPoints { get; set; }

    public string? Sprint { get; set; }

    public string? Flagged { get; set; }

    public string? EpicLink { get; set; }
}

/// <summary>One board synced on a schedule for one tenant; site and credentials default to the section's.</summary>
public sealed class JiraScheduledBoard
{
    public string Tenant { get; set; } = "";

    public long Board { get; set; }

    public string? Url { get; set; }

    /// <summary>Hangfire cron expression (UTC); hourly by default.</summary>
    public string Cron { get; set; } = "0 * * * *";

    public string? Email { get; set; }

    public string? ApiTokenFile { get; set; }

    public string? PersonalAccessTokenFile { get; set; }
}
