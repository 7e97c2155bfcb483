using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SpiralAnalytics.Infrastructure;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Jira;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Jira;

/// <summary>
/// The Jira connector end to end: the CLI (or the scheduled job) against a local fake Jira serving the recorded
/// responses, into a real PostgreSQL. Expected values are computed from the recordings, not typed in.
/// </summary>
public sealed class JiraSyncTests(PostgresServer server) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private string _secrets = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string TokenFile => Path.Combine(_secrets, "token");

    private string WrongTokenFile => Path.Combine(_secrets, "wrong-token");

    public async ValueTask InitializeAsync()
    {
        _db = await server.DatabaseAsync(nameof(JiraSyncTests));
        _secrets = Directory.CreateTempSubdirectory("spiral-jira-").FullName;
        await File.WriteAllTextAsync(TokenFile, FakeJira.Token + "\n", Ct);
        await File.WriteAllTextAsync(WrongTokenFile, "not-the-token", Ct);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_secrets, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Sync_imports_every_sprint_and_issue_of_board_8_through_pages_and_one_429()
    {
        await using var jira = await FakeJira.StartAsync(f => f.RateLimitOnce = true);
        var (slug, tenant) = await NewTenantAsync();

        var run = await SyncAsync(jira, slug);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(1, jira.RateLimitedCount);
        var issuePages = (Expected.IssueKeys.Count + jira.IssuePageSize - 1) / jira.IssuePageSize;
        Assert.Equal(issuePages + 1, jira.Requests.Count(r => r.StartsWith("/rest/agile/1.0/board/8/issue", StringComparison.Ordinal)));
        Assert.Contains($"issues: page {issuePages}, {Expected.IssueKeys.Count} of {Expected.IssueKeys.Count} read", run.Error);
        Assert.Contains(jira.Requests, r => r.StartsWith($"/rest/api/2/issue/{Expected.IssueId("EE-17")}/changelog", StringComparison.Ordinal));
        Assert.Contains($"{Expected.SprintKeys.Count} sprints and {Expected.IssueKeys.Count} issues read (full)", run.Out);
        Assert.Contains("refreshed the analytics views", run.Out);

        Assert.Equal(Expected.SprintKeys.Order(), await KeysAsync(tenant, "sprints"));
        Assert.Equal(Expected.IssueKeys.Order(), await KeysAsync(tenant, "issues"));
        Assert.Equal(["board-8"], await KeysAsync(tenant, "teams"));
        Assert.Equal(Expected.CommentCount, await CountAsync(tenant, "comments"));
    }

    [Fact]
    public async Task Sync_turns_changelogs_into_transitions_and_sprint_memberships_with_added_and_removed_times()
    {
        await using var jira = await FakeJira.StartAsync();
        var (slug, tenant) = await NewTenantAsync();

        var run = await SyncAsync(jira, slug);

        Assert.True(run.ExitCode == 0, run.Error);
        var transitions = await TransitionsAsync(tenant);
        Assert.Equal(Expected.Transitions.OrderBy(t => t.ToString(), StringComparer.Ordinal),
            transitions.Select(t => (t.Key, t.At, t.From, t.To)).OrderBy(t => t.ToString(), StringComparer.Ordinal));
        Assert.All(transitions.Where(t => t.To == "已完成"), t => Assert.Equal("done", t.Category));

        // EE-17's changelog was served truncated: its old transitions and sprint moves came from the changelog endpoint.
        Assert.Contains(transitions, t => t.Key == "EE-17" && t.From == "To Do" && t.To == "Open");

        var memberships = await MembershipsAsync(tenant);
        var checkedChanges = 0;
        foreach (var (key, at, added, removed) in Expected.SprintChanges)
        {
            foreach (var id in added)
            {
                Assert.Contains(memberships, m => m.Issue == key && m.Sprint == $"JIRA-S{id}" && m.AddedAt == at);
                checkedChanges++;
            }

            foreach (var id in removed)
            {
                Assert.Contains(memberships, m => m.Issue == key && m.Sprint == $"JIRA-S{id}" && m.RemovedAt == at);
                checkedChanges++;
            }
        }

        Assert.True(checkedChanges >= Expected.SprintChanges.Count, "every sprint change in the recordings was checked");
        Assert.Equal(2, memberships.Count(m => m.Issue == "EE-17" && m.Sprint == "JIRA-S9"));
        Assert.DoesNotContain(memberships, m => m.Issue is "EE-19" or "EE-20" && m.RemovedAt is null);
    }

    [Fact]
    public async Task A_second_sync_with_nothing_changed_writes_nothing()
    {
        await using var jira = await FakeJira.StartAsync();
        var (slug, tenant) = await NewTenantAsync();
        Assert.Equal(0, (await SyncAsync(jira, slug)).ExitCode);
        var before = await TestData.FingerprintAsync(_db, tenant);
        var requestsBefore = jira.Requests.Count;

        var run = await SyncAsync(jira, slug);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("0 issues read (changed since", run.Out);
        Assert.Contains("(nothing changed)", run.Out);
        Assert.Equal(before, await TestData.FingerprintAsync(_db, tenant));
        var issueSearches = jira.Requests.Skip(requestsBefore).Where(r => r.Contains("/board/8/issue", StringComparison.Ordinal)).ToList();
        Assert.All(issueSearches, r => Assert.Contains("jql=updated%20%3E%3D%20%22", r));
    }

    [Fact]
    public async Task Changing_one_issue_in_Jira_resyncs_only_that_issue()
    {
        await using var jira = await FakeJira.StartAsync();
        var (slug, tenant) = await NewTenantAsync();
        var logs = new CapturingLoggerProvider();
        using var host = _db.BuildHost(b =>
        {
            b.Configuration.AddInMemoryCollection(JiraConfiguration());
            b.AddSpiralJira();
            b.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        });
        var sync = host.Services.GetRequiredService<JiraSync>();
        var request = new JiraSyncRequest(slug, jira.Url.ToString(), FakeJira.Board, JiraCredentials.ApiToken(FakeJira.Email, FakeJira.Token));
        await sync.SyncAsync(request, null, Ct);
        var rowsBefore = await RowVersionsAsync(tenant);
        var transitionsBefore = (await TransitionsAsync(tenant)).Count(t => t.Key == "EE-5");

        var changedAt = jira.Touch("EE-5", fields =>
            {
                fields["priority"] = new JsonObject { ["id"] = "1", ["name"] = "Highest" };
                fields["customfield_10024"] = 3;
                fields["status"] = JsonNode.Parse("""{"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}}""");
            },
            new JsonObject { ["field"] = "Story Points", ["fieldtype"] = "custom", ["fieldId"] = "customfield_10024", ["from"] = null, ["fromString"] = null, ["to"] = null, ["toString"] = "3" },
            new JsonObject { ["field"] = "status", ["fieldtype"] = "jira", ["fieldId"] = "status", ["from"] = "10068", ["fromString"] = "已完成", ["to"] = "3", ["toString"] = "In Progress" });
        var report = await sync.SyncAsync(request, null, Ct);

        Assert.Equal(1, report.Issues);
        Assert.Equal((1, 0, 1), Table(report, "issues"));
        Assert.Equal((transitionsBefore + 1, 1, 0), Table(report, "issue_transitions"));
        Assert.Equal((Expected.SprintKeys.Count, 0, 0), Table(report, "sprints"));
        Assert.Equal((1, 0, 0), Table(report, "teams"));
        Assert.Equal(0, Table(report, "sprint_issues").Inserted + Table(report, "sprint_issues").Updated);

        var rowsAfter = await RowVersionsAsync(tenant);
        var changed = rowsAfter.Where(r => !rowsBefore.Contains(r)).ToList();
        Assert.Equal([("issue_transitions", "EE-5"), ("issues", "EE-5")], changed.Select(r => (r.Table, r.Key)).Order());
        var ee5 = (await TransitionsAsync(tenant)).Single(t => t.Key == "EE-5" && t.At == changedAt);
        Assert.Equal(("已完成", "In Progress", "in_progress"), (ee5.From, ee5.To, ee5.Category));

        // Credentials never reach a log, even at Trace.
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FakeJira.Email}:{FakeJira.Token}"));
        Assert.NotEmpty(logs.Messages);
        Assert.DoesNotContain(logs.Messages, m => m.Contains(FakeJira.Token, StringComparison.Ordinal) || m.Contains(basic, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unreachable_Jira_exits_3_and_leaves_the_tenant_unchanged()
    {
        await using var jira = await FakeJira.StartAsync();
        var (slug, tenant) = await NewTenantAsync();
        Assert.Equal(0, (await SyncAsync(jira, slug)).ExitCode);
        var before = (await TestData.FingerprintAsync(_db, tenant), await LastSyncAsync(tenant));
        await jira.StopAsync();

        var run = await SyncAsync(jira, slug);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"Jira is unreachable at {jira.Url}", run.Error);
        Assert.Equal(before, (await TestData.FingerprintAsync(_db, tenant), await LastSyncAsync(tenant)));
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Refused_credentials_exit_1_and_leave_the_tenant_unchanged(int status)
    {
        await using var jira = await FakeJira.StartAsync();
        var (slug, tenant) = await NewTenantAsync();
        Assert.Equal(0, (await SyncAsync(jira, slug)).ExitCode);
        var before = (await TestData.FingerprintAsync(_db, tenant), await LastSyncAsync(tenant));
        if (status == 403)
        {
            jira.AnswerAllWith = 403;
        }

        var run = await SyncAsync(jira, slug, tokenFile: status == 401 ? WrongTokenFile : TokenFile);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"Jira refused the credentials ({status} ", run.Error);
        Assert.DoesNotContain(FakeJira.Token, run.Error + run.Out);
        Assert.Equal(before, (await TestData.FingerprintAsync(_db, tenant), await LastSyncAsync(tenant)));
    }

    [Fact]
    public async Task A_missing_board_exits_1_and_leaves_the_tenant_unchanged()
    {
        await using var jira = await FakeJira.StartAsync();
        var (slug, tenant) = await NewTenantAsync();
        Assert.Equal(0, (await SyncAsync(jira, slug)).ExitCode);
        var before = await TestData.FingerprintAsync(_db, tenant);

        var run = await SyncAsync(jira, slug, board: 99);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"board 99 not found at {jira.Url}", run.Error);
        Assert.Equal(before, await TestData.FingerprintAsync(_db, tenant));
    }

    [Fact]
    public async Task A_sync_that_fails_half_way_writes_nothing_and_the_next_run_resumes_without_duplicates()
    {
        await using var jira = await FakeJira.StartAsync(f => f.FailIssuesFrom = 2 * f.IssuePageSize);
        var (slug, tenant) = await NewTenantAsync();
        var empty = await TestData.FingerprintAsync(_db, tenant);

        var failed = await SyncAsync(jira, slug);

        Assert.Equal(3, failed.ExitCode);
        Assert.Contains("kept failing: 500", failed.Error);
        Assert.Contains("issues: page 2", failed.Error);
        Assert.Equal(empty, await TestData.FingerprintAsync(_db, tenant));
        Assert.Null(await LastSyncAsync(tenant));

        jira.FailIssuesFrom = null;
        var resumed = await SyncAsync(jira, slug);
        var again = await SyncAsync(jira, slug, "--full");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("(nothing changed)", again.Out);
        Assert.Equal(Expected.IssueKeys.Count, await CountAsync(tenant, "issues"));
        Assert.Equal(Expected.Transitions.Count, await CountAsync(tenant, "issue_transitions"));
        Assert.Equal(Expected.CommentCount, await CountAsync(tenant, "comments"));
        Assert.NotNull(await LastSyncAsync(tenant));
    }

    [Fact]
    public async Task Configured_field_ids_are_used_when_Jira_does_not_list_its_fields()
    {
        await using var jira = await FakeJira.StartAsync(f => f.ServeFields = false);
        var (configured, configuredId) = await NewTenantAsync();
        var (bare, bareId) = await NewTenantAsync();
        var points = Expected.Issue("EE-2").GetProperty("fields").GetProperty("customfield_10024").GetDecimal();

        var withFields = await SyncAsync(jira, configured, extra: new Dictionary<string, string?>
        {
            ["Jira:Fields:StoryPoints"] = "customfield_10024",
            ["Jira:Fields:Sprint"] = "customfield_10020",
        });
        var without = await SyncAsync(jira, bare);

        Assert.True(withFields.ExitCode == 0, withFields.Error);
        Assert.DoesNotContain("no Story Points field", withFields.Error);
        Assert.Equal(points, await ScalarAsync<decimal?>(configuredId, "SELECT story_points FROM issues WHERE tenant_id = $1 AND key = 'EE-2'"));
        Assert.Equal(0, without.ExitCode);
        Assert.Contains("no Story Points field was found", without.Error);
        Assert.Null(await ScalarAsync<decimal?>(bareId, "SELECT story_points FROM issues WHERE tenant_id = $1 AND key = 'EE-2'"));
        Assert.Equal(await CountAsync(configuredId, "sprint_issues"), await CountAsync(bareId, "sprint_issues"));
    }

    [Fact]
    public async Task The_scheduled_job_syncs_a_board_configured_for_the_tenant()
    {
        await using var jira = await FakeJira.StartAsync();
        var (slug, tenant) = await NewTenantAsync();
        var configuration = new Dictionary<string, string?>(JiraConfiguration())
        {
            ["Jira:Url"] = jira.Url.ToString(),
            ["Jira:Email"] = FakeJira.Email,
            ["Jira:ApiTokenFile"] = TokenFile,
            ["Jira:Schedules:0:Tenant"] = slug,
            ["Jira:Schedules:0:Board"] = "8",
        };
        using var host = _db.BuildHost(b =>
        {
            b.Configuration.AddInMemoryCollection(configuration);
            b.AddSpiralJira();
        });

        var versionBefore = await SpiralAnalytics.Infrastructure.Analytics.AnalyticsRefresher.DataVersionAsync(_db.DataSources.Runtime, Ct);

        await host.Services.GetRequiredService<IJiraSyncJob>().RunAsync(slug, FakeJira.Board, Ct);

        Assert.Equal(Expected.IssueKeys.Count, await CountAsync(tenant, "issues"));
        Assert.NotNull(await LastSyncAsync(tenant));
        Assert.True(await SpiralAnalytics.Infrastructure.Analytics.AnalyticsRefresher.DataVersionAsync(_db.DataSources.Runtime, Ct) > versionBefore,
            "a sync that changed data refreshes the analytics views");
    }

    [Fact]
    public async Task Sync_state_is_a_tenant_table_with_forced_row_level_security()
    {
        await using var jira = await FakeJira.StartAsync();
        var (slug, tenant) = await NewTenantAsync();
        var (_, other) = await NewTenantAsync();
        Assert.Equal(0, (await SyncAsync(jira, slug)).ExitCode);

        await using (var connection = new NpgsqlConnection(_db.OwnerConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand(
                """
                SELECT c.relrowsecurity, c.relforcerowsecurity,
                       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation')
                FROM pg_class c WHERE c.relname = 'jira_sync_state'
                """, connection);
            await using var reader = await command.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            Assert.Equal((true, true, 1L), (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetInt64(2)));
        }

        await using var session = await TenantSession.BeginAsync(_db.DataSources.Runtime, other, Ct);
        await using var count = session.Command("SELECT count(*) FROM jira_sync_state");
        Assert.Equal(0L, await count.ExecuteScalarAsync(Ct));
        Assert.NotNull(await LastSyncAsync(tenant));
    }

    [Fact]
    public async Task An_unknown_tenant_fails_before_Jira_is_asked_anything()
    {
        await using var jira = await FakeJira.StartAsync();

        var run = await SyncAsync(jira, TestData.NewSlug("nobody"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("does not exist", run.Error);
        Assert.Empty(jira.Requests);
    }

    [Theory]
    [InlineData("--token", "abc")]
    [InlineData("--api-token", "abc")]
    [InlineData("--token-file", "f")]
    [InlineData("--pat-file", "f", "--email", "e@example.com")]
    public async Task Tokens_are_never_taken_from_the_command_line_and_credential_options_must_fit(params string[] credentials)
    {
        var run = await TestData.CliAsync((IReadOnlyDictionary<string, string?>?)null,
            ["import", "jira", "--tenant", "t", "--url", "http://127.0.0.1:1/", "--board", "8", .. credentials]);

        Assert.Equal(2, run.ExitCode);
    }

    private async Task<(string Slug, Guid Id)> NewTenantAsync()
    {
        var slug = TestData.NewSlug("jira");
        return (slug, await TestData.CreateTenantAsync(_db, slug));
    }

    private static Dictionary<string, string?> JiraConfiguration() => new()
    {
        ["Jira:RetryBaseDelay"] = "00:00:00.010",
        ["Jira:MaxRetries"] = "2",
        ["Jira:RequestTimeout"] = "00:00:10",
    };

    private Task<TestData.CliRun> SyncAsync(FakeJira jira, string slug, string? extraArgument = null, string? tokenFile = null,
        long board = FakeJira.Board, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var configuration = new Dictionary<string, string?>(_db.Configuration);
        foreach (var (key, value) in JiraConfiguration().Concat(extra ?? new Dictionary<string, string?>()))
        {
            configuration[key] = value;
        }

        string[] args =
        [
            "import", "jira", "--tenant", slug, "--url", jira.Url.ToString(), "--board", board.ToString(CultureInfo.InvariantCulture),
            "--email", FakeJira.Email, "--token-file", tokenFile ?? TokenFile, .. extraArgument is null ? Array.Empty<string>() : [extraArgument],
        ];
        return TestData.CliAsync(configuration, args);
    }

    private static (int Rows, int Inserted, int Updated) Table(JiraSyncReport report, string table) =>
        report.Tables.Single(t => t.Table == table) is var t ? (t.Rows, t.Inserted, t.Updated) : default;

    private async Task<NpgsqlConnection> OwnerAsync()
    {
        var connection = new NpgsqlConnection(_db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        return connection;
    }

    private async Task<T?> ScalarAsync<T>(Guid tenant, string sql)
    {
        await using var connection = await OwnerAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        var value = await command.ExecuteScalarAsync(Ct);
        return value is DBNull or null ? default : (T)value;
    }

    private async Task<long> CountAsync(Guid tenant, string table) =>
        await ScalarAsync<long>(tenant, $"SELECT count(*) FROM {table} WHERE tenant_id = $1");

    private async Task<DateTime?> LastSyncAsync(Guid tenant) =>
        await ScalarAsync<DateTime?>(tenant, "SELECT max(last_sync_at) FROM jira_sync_state WHERE tenant_id = $1");

    private async Task<List<string>> KeysAsync(Guid tenant, string table) =>
        await ReadAsync(tenant, $"SELECT key FROM {table} WHERE tenant_id = $1 ORDER BY key COLLATE \"C\"", r => r.GetString(0));

    private async Task<List<(string Key, DateTimeOffset At, string? From, string To, string Category)>> TransitionsAsync(Guid tenant) =>
        await ReadAsync(tenant,
            """
            SELECT i.key, t.at, t.from_status, t.to_status, t.to_category FROM issue_transitions t
            JOIN issues i ON i.tenant_id = t.tenant_id AND i.id = t.issue_id WHERE t.tenant_id = $1
            """,
            r => (r.GetString(0), Utc(r.GetDateTime(1)), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4)));

    private async Task<List<(string Sprint, string Issue, DateTimeOffset? AddedAt, DateTimeOffset? RemovedAt)>> MembershipsAsync(Guid tenant) =>
        await ReadAsync(tenant,
            """
            SELECT sp.key, i.key, si.added_at, si.removed_at FROM sprint_issues si
            JOIN sprints sp ON sp.tenant_id = si.tenant_id AND sp.id = si.sprint_id
            JOIN issues i ON i.tenant_id = si.tenant_id AND i.id = si.issue_id WHERE si.tenant_id = $1
            """,
            r => (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? (DateTimeOffset?)null : Utc(r.GetDateTime(2)),
                r.IsDBNull(3) ? (DateTimeOffset?)null : Utc(r.GetDateTime(3))));

    /// <summary>Every row of the tenant's Jira tables with its row version (xmin), keyed by the issue (or sprint/team) it belongs to.</summary>
    private async Task<HashSet<(string Table, string Key, string Version)>> RowVersionsAsync(Guid tenant) =>
        [.. await ReadAsync(tenant,
            """
            SELECT 'teams', key, xmin::text || ctid::text FROM teams WHERE tenant_id = $1
            UNION ALL SELECT 'sprints', key, xmin::text || ctid::text FROM sprints WHERE tenant_id = $1
            UNION ALL SELECT 'issues', key, xmin::text || ctid::text FROM issues WHERE tenant_id = $1
            UNION ALL SELECT 'sprint_issues', i.key, x.xmin::text || x.ctid::text FROM sprint_issues x JOIN issues i ON i.tenant_id = x.tenant_id AND i.id = x.issue_id WHERE x.tenant_id = $1
            UNION ALL SELECT 'issue_transitions', i.key, x.xmin::text || x.ctid::text FROM issue_transitions x JOIN issues i ON i.tenant_id = x.tenant_id AND i.id = x.issue_id WHERE x.tenant_id = $1
            UNION ALL SELECT 'issue_blocks', i.key, x.xmin::text || x.ctid::text FROM issue_blocks x JOIN issues i ON i.tenant_id = x.tenant_id AND i.id = x.issue_id WHERE x.tenant_id = $1
            UNION ALL SELECT 'comments', i.key, x.xmin::text || x.ctid::text FROM comments x JOIN issues i ON i.tenant_id = x.tenant_id AND i.id = x.issue_id WHERE x.tenant_id = $1
            """,
            r => (r.GetString(0), r.GetString(1), r.GetString(2)))];

    private async Task<List<T>> ReadAsync<T>(Guid tenant, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = await OwnerAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    /// <summary>What board 8's recordings say, read straight from the JSON.</summary>
    private static class Expected
    {
        private static IEnumerable<JsonElement> Issues => Recordings.Element("board-8-issues.json").GetProperty("issues").EnumerateArray();

        public static IReadOnlyList<string> SprintKeys =>
            [.. Recordings.Element("board-8-sprints.json").GetProperty("values").EnumerateArray().Select(s => $"JIRA-S{s.GetProperty("id").GetInt64()}")];

        public static IReadOnlyList<string> IssueKeys => [.. Issues.Select(i => i.GetProperty("key").GetString()!)];

        public static int CommentCount => Issues.Sum(i => i.GetProperty("fields").GetProperty("comment").GetProperty("comments").GetArrayLength());

        public static JsonElement Issue(string key) => Issues.Single(i => i.GetProperty("key").GetString() == key);

        public static string IssueId(string key) => Issue(key).GetProperty("id").GetString()!;

        /// <summary>Every status change: issue, time, from, to (one per issue, time and target status).</summary>
        public static IReadOnlyList<(string Key, DateTimeOffset At, string? From, string To)> Transitions =>
            [.. Changes("status").Select(c => (c.Key, c.At, c.Item.GetProperty("fromString").GetString(), c.Item.GetProperty("toString").GetString()!))
                .DistinctBy(t => (t.Key, t.At, t.Item4))];

        /// <summary>Every Sprint change: the board's sprint ids it added and removed.</summary>
        public static IReadOnlyList<(string Key, DateTimeOffset At, long[] Added, long[] Removed)> SprintChanges
        {
            get
            {
                var board = Recordings.Element("board-8-sprints.json").GetProperty("values").EnumerateArray().Select(s => s.GetProperty("id").GetInt64()).ToHashSet();
                return [.. Changes("Sprint").Select(c =>
                {
                    var from = Ids(c.Item.GetProperty("from").GetString());
                    var to = Ids(c.Item.GetProperty("to").GetString());
                    return (c.Key, c.At, to.Except(from).Where(board.Contains).ToArray(), from.Except(to).Where(board.Contains).ToArray());
                })];
            }
        }

        private static IEnumerable<(string Key, DateTimeOffset At, JsonElement Item)> Changes(string field) =>
            Issues.SelectMany(i => i.GetProperty("changelog").GetProperty("histories").EnumerateArray().SelectMany(h =>
                h.GetProperty("items").EnumerateArray().Where(item => item.GetProperty("field").GetString() == field).Select(item =>
                    (i.GetProperty("key").GetString()!, DateTimeOffset.Parse(h.GetProperty("created").GetString()!, CultureInfo.InvariantCulture), item))));

        private static long[] Ids(string? text) =>
            string.IsNullOrEmpty(text) ? [] : [.. text.Split(',').Select(t => long.Parse(t.Trim(), CultureInfo.InvariantCulture))];
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Messages.Enqueue(formatter(state, exception) + exception);
        }
    }
}
