using SpiralAnalytics.Core.Bundles;

namespace SpiralAnalytics.Core.Demo;

/// <summary>
/// Simulates one team sprint by sprint, oldest first. Each sprint: carried-over work and planned work (committed,
/// added before the start), unplanned additions (added after the start), removals (some added back later), and
/// re-estimates; then the team's workers pull issues in rank order (urgent additions first) and each issue goes
/// To Do → In Progress → In Review → Done, slowed by blocks, sometimes sent back from review or reopened after done.
/// Nothing moves at or after the sprint's close (or, in the active sprint, at or after today's midnight), so
/// outcomes derived from the transitions match what happened; unfinished work is carried into the next sprint.
/// </summary>
internal sealed class TeamSimulation
{
    private const double SprintDays = 14;
    private const double DaysPerPoint = 0.42;

    private static readonly string[] StatusNames = ["To Do", "In Progress", "In Review", "Done"];
    private static readonly string[] StatusCategories = ["todo", "in_progress", "in_progress", "done"];
    private static readonly decimal[] Fibonacci = [1, 2, 3, 5, 8, 13, 21];
    private static readonly decimal[] StoryPoints = [1, 2, 3, 5, 8, 13];
    private static readonly int[] StoryPointWeights = [15, 25, 25, 20, 12, 3];
    private static readonly decimal[] BugPoints = [1, 2, 3, 5];
    private static readonly int[] BugPointWeights = [35, 35, 20, 10];
    private static readonly string[] Priorities = ["Highest", "High", "Medium", "Low", "Lowest"];
    private static readonly int[] PriorityWeights = [4, 20, 55, 17, 4];
    private static readonly int[] BugPriorityWeights = [10, 35, 40, 13, 2];
    private static readonly string[] Areas = ["frontend", "backend", "api", "mobile", "infra", "ux", "performance", "tech-debt"];
    private static readonly string[] Goals =
    [
        "Ship the new checkout flow", "Stabilise the release pipeline", "Finish the reporting MVP", "Reduce page load time",
        "Onboarding improvements", "Pay down search tech debt", "Launch the partner API", "Harden authentication",
        "Mobile offline mode", "Billing migration, phase 2", "Accessibility fixes", "Data export for customers",
    ];

    private readonly DemoTeam _team;
    private readonly DemoTeamTraits _traits;
    private readonly int _sprintCount;
    private readonly Random _rng;
    private readonly DemoRows _rows;
    private readonly DateTimeOffset _horizon;
    private readonly DateTimeOffset _firstStart;
    private readonly double _capacityPoints;
    private readonly List<Issue> _issues = [];
    private readonly Queue<Issue> _backlog = new();
    private readonly List<Epic> _epics = [];
    private List<Issue> _carried = [];
    private DateTimeOffset _previousClose;
    private DateTimeOffset _windowEnd;
    private int _sprint;
    private double _progress;
    private int _nextNumber = 1;

    public TeamSimulation(DemoTeam team, int sprintCount, Random rng, DateOnly today, DemoRows rows)
    {
        _team = team;
        _traits = team.Traits;
        _sprintCount = sprintCount;
        _rng = rng;
        _rows = rows;
        _horizon = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        // The active sprint started 7 days 15 hours before today's midnight, so a week of it has happened.
        var activeStart = _horizon.AddDays(-8).AddHours(9);
        _firstStart = activeStart.AddDays(-SprintDays * (sprintCount - 1));
        _capacityPoints = _traits.Workers * (SprintDays - 0.2) / DaysPerPoint;
    }

    private enum Status
    {
        ToDo,
        InProgress,
        InReview,
        Done,
    }

    public void Run()
    {
        _rows.Teams.Add(new TeamRow(_team.Key, _team.Name));
        for (_sprint = 0; _sprint < _sprintCount; _sprint++)
        {
            RunSprint();
        }

        foreach (var issue in _issues)
        {
            var unassigned = issue.Status is Status.InProgress or Status.InReview && (issue.LeaveUnassigned || Chance(0.05));
            _rows.Issues.Add(new IssueRow(
                issue.Key, _team.Key, issue.Type, issue.Priority, StatusNames[(int)issue.Status], StatusCategories[(int)issue.Status],
                issue.Status == Status.Done ? "Done" : null, issue.Points, unassigned ? null : issue.Assignee, issue.EpicKey, issue.Labels,
                issue.CreatedAt, issue.ResolvedAt));
        }
    }

    private void RunSprint()
    {
        var active = _sprint == _sprintCount - 1;
        _progress = _sprintCount == 1 ? 1 : (double)_sprint / (_sprintCount - 1);
        var start = _firstStart.AddDays(SprintDays * _sprint);
        var end = start.AddDays(SprintDays);
        DateTimeOffset? completed = active ? null : Plus(end, -Uniform(0.01, 0.12));
        _windowEnd = completed ?? _horizon;
        var sprintKey = $"{_team.Key}-S{_sprint + 1}";
        _rows.Sprints.Add(new SprintRow(
            sprintKey, _team.Key, $"{_team.Name} Sprint {_sprint + 1}", active ? "active" : "closed", start, end, completed,
            Chance(0.85) ? Goals[_rng.Next(Goals.Length)] : null));
        UpdateEpics(start);

        var scope = new List<Membership>();
        var queue = new List<Membership>();

        // Unfinished work of the previous sprint moved in when it closed: committed, and first in rank.
        foreach (var issue in _carried)
        {
            queue.Add(Add(scope, issue, _previousClose, carried: true));
        }

        _carried = [];

        // Planning up to the team's target: the backlog first, then new issues. Unestimated ones count as 3.
        var target = _capacityPoints * _traits.CommitFactor * Uniform(0.9, 1.1);
        var planned = queue.Sum(m => (double)(m.Issue.Points ?? 3));
        var stuck = active ? 2 : 0;
        while (planned < target)
        {
            var addedAt = Plus(start, -Uniform(0.04, 2));
            Issue issue;
            if (_backlog.Count > 0 && Chance(0.7))
            {
                issue = _backlog.Dequeue();
                addedAt = Max(addedAt, issue.FreeAt.AddMinutes(5));
            }
            else
            {
                issue = NewIssue(PlannedType(), Plus(addedAt, -Uniform(0.1, 30)));
            }

            var membership = Add(scope, issue, addedAt, carried: false);
            if (stuck > 0 && issue.Status == Status.ToDo)
            {
                // In progress from the first morning and never touched again: stuck by today.
                issue.Stuck = true;
                issue.RemainingDays = 1000;
                issue.LeaveUnassigned = stuck == 1;
                queue.Insert(0, membership);
                stuck--;
            }
            else
            {
                queue.Add(membership);
            }

            planned += (double)(issue.Points ?? 3);
        }

        var pending = new List<Membership>();
        Remove(scope, queue, pending, start);
        foreach (var membership in queue)
        {
            if (membership.Issue.Points is { } points && Chance(_traits.ReestimateShare))
            {
                Reestimate(membership.Issue, points);
            }
        }

        AddUnplanned(scope, pending, start);
        Work(queue, pending.OrderBy(m => m.AddedAt).ToList(), start);

        foreach (var membership in scope)
        {
            _rows.Memberships.Add(new MembershipRow(
                sprintKey, membership.Issue.Key, membership.AddedAt, membership.RemovedAt, null, null, membership.PointsAtStart,
                membership.RemovedAt is null ? membership.Issue.Points : membership.PointsAtRemoval));
        }

        if (active)
        {
            return;
        }

        foreach (var membership in scope)
        {
            var issue = membership.Issue;
            if (membership.RemovedAt is not null || issue.Status == Status.Done)
            {
                continue;
            }

            if (issue.Status == Status.ToDo && !issue.Stuck && Chance(0.2))
            {
                issue.FreeAt = completed!.Value;
                _backlog.Enqueue(issue);
            }
            else
            {
                _carried.Add(issue);
            }
        }

        _previousClose = completed!.Value;
    }

    /// <summary>Removes a few committed, not started issues mid-sprint; some come back later in the sprint (a second membership).</summary>
    private void Remove(List<Membership> scope, List<Membership> queue, List<Membership> pending, DateTimeOffset start)
    {
        var count = Poisson(_traits.RemovalsPerSprint);
        for (var i = 0; i < count; i++)
        {
            var candidates = queue.Skip(queue.Count / 2).Where(m => !m.Carried && !m.Issue.Stuck && m.Issue.Status == Status.ToDo).ToList();
            var removedAt = Plus(start, Uniform(0.5, 9));
            if (candidates.Count == 0 || removedAt >= _windowEnd.AddHours(-6))
            {
                continue;
            }

            var membership = candidates[_rng.Next(candidates.Count)];
            queue.Remove(membership);
            membership.RemovedAt = removedAt;
            membership.PointsAtRemoval = membership.Issue.Points;
            var readdedAt = Plus(removedAt, Uniform(0.5, 3));
            if (Chance(0.4) && readdedAt < _windowEnd.AddHours(-12))
            {
                pending.Add(Add(scope, membership.Issue, readdedAt, carried: false));
            }
            else
            {
                membership.Issue.FreeAt = removedAt;
                _backlog.Enqueue(membership.Issue);
            }
        }
    }

    /// <summary>Work that arrives after the start: mostly bugs, some urgent enough to be picked up first.</summary>
    private void AddUnplanned(List<Membership> scope, List<Membership> pending, DateTimeOffset start)
    {
        var count = Poisson(_traits.AdditionsPerSprint);
        for (var i = 0; i < count; i++)
        {
            var addedAt = Plus(start, Uniform(0.3, 11));
            if (addedAt >= _windowEnd)
            {
                continue;
            }

            var issue = _backlog.Count > 0 && _backlog.Peek().FreeAt < addedAt.AddMinutes(-5) && Chance(0.3)
                ? _backlog.Dequeue()
                : NewIssue(Chance(_traits.AdditionBugShare) ? "Bug" : Chance(0.5) ? "Task" : "Story", Plus(addedAt, -Uniform(0.01, 1)));
            var membership = Add(scope, issue, addedAt, carried: false);
            membership.Urgent = issue.Priority == "Highest" || (issue.Type == "Bug" && Chance(0.6));
            pending.Add(membership);
        }
    }

    /// <summary>Each worker, when free, takes the earliest released urgent addition, else the next committed issue, else any released addition.</summary>
    private void Work(List<Membership> queue, List<Membership> pending, DateTimeOffset start)
    {
        var free = new DateTimeOffset[_traits.Workers];
        for (var w = 0; w < free.Length; w++)
        {
            free[w] = Plus(start, Uniform(0.02, 0.2));
        }

        var next = 0;
        while (true)
        {
            var worker = 0;
            for (var w = 1; w < free.Length; w++)
            {
                if (free[w] < free[worker])
                {
                    worker = w;
                }
            }

            var now = free[worker];
            if (now >= _windowEnd)
            {
                return;
            }

            Membership picked;
            var urgent = pending.FindIndex(m => m.Urgent && m.AddedAt <= now);
            var released = pending.FindIndex(m => m.AddedAt <= now);
            if (urgent >= 0)
            {
                picked = pending[urgent];
                pending.RemoveAt(urgent);
            }
            else if (next < queue.Count)
            {
                picked = queue[next++];
            }
            else if (released >= 0)
            {
                picked = pending[released];
                pending.RemoveAt(released);
            }
            else if (pending.Count > 0)
            {
                free[worker] = pending[0].AddedAt;
                continue;
            }
            else
            {
                return;
            }

            var at = Max(now, picked.AddedAt);
            if (picked.Issue.Status is Status.InReview or Status.Done)
            {
                // Waiting for review only: no developer needed.
                Advance(picked.Issue, at, null);
                continue;
            }

            free[worker] = Advance(picked.Issue, at, _team.People[worker]);
        }
    }

    /// <summary>Moves an issue on from <paramref name="at"/> until it is done or the window ends; returns when its developer is free again.</summary>
    private DateTimeOffset Advance(Issue issue, DateTimeOffset at, string? worker)
    {
        if (worker is not null)
        {
            issue.Assignee = worker;
        }

        DateTimeOffset? free = null;
        for (var step = 0; step < 12; step++)
        {
            switch (issue.Status)
            {
                case Status.ToDo:
                    var started = Plus(at, Uniform(0.002, 0.04));
                    if (started >= _windowEnd)
                    {
                        return _windowEnd;
                    }

                    Move(issue, Status.InProgress, started);
                    at = started;
                    break;
                case Status.InProgress:
                    var developed = Develop(issue, at);
                    free ??= Min(developed, _windowEnd);
                    if (developed >= _windowEnd)
                    {
                        issue.RemainingDays = Math.Clamp((developed - _windowEnd).TotalDays, 0.05, Math.Max(0.05, issue.RemainingDays));
                        return free.Value;
                    }

                    issue.RemainingDays = 0;
                    Move(issue, Status.InReview, developed);
                    at = developed;
                    break;
                case Status.InReview:
                    var reviewed = Plus(at, issue.ReviewDays > 0 ? issue.ReviewDays : Uniform(0.05, 1));
                    if (reviewed >= _windowEnd)
                    {
                        issue.ReviewDays = Math.Max(0.02, (reviewed - _windowEnd).TotalDays);
                        return free ?? at;
                    }

                    issue.ReviewDays = 0;
                    if (!issue.ReworkedThisSprint && Chance(0.07))
                    {
                        issue.ReworkedThisSprint = true;
                        issue.RemainingDays = Uniform(0.1, 1);
                        Move(issue, Status.InProgress, reviewed);
                    }
                    else
                    {
                        Move(issue, Status.Done, reviewed);
                    }

                    at = reviewed;
                    break;
                default:
                    if (issue.ReopenedThisSprint || !Chance(_traits.ReopenChance(_progress)))
                    {
                        return free ?? at;
                    }

                    issue.ReopenedThisSprint = true;
                    var reopened = Plus(at, Uniform(0.1, 2.5));
                    if (reopened >= _windowEnd)
                    {
                        return free ?? at;
                    }

                    issue.RemainingDays = Uniform(0.2, 1.5);
                    Move(issue, Status.InProgress, reopened);
                    at = reopened;
                    break;
            }
        }

        return free ?? at;
    }

    /// <summary>When development that starts at <paramref name="at"/> ends, blocked time included (one block a sprint, sometimes with an overlapping second).</summary>
    private DateTimeOffset Develop(Issue issue, DateTimeOffset at)
    {
        var effort = issue.RemainingDays;
        var delay = 0.0;
        if (!issue.Stuck && !issue.BlockedThisSprint && Chance(_traits.BlockChance(_progress)))
        {
            issue.BlockedThisSprint = true;
            var from = Plus(at, Uniform(0.05, 0.9) * Math.Min(effort, 5));
            var hours = Math.Clamp(_traits.BlockHours(_progress) * LogNormal(0.6), 1, 150);
            var to = Plus(from, hours / 24);
            var until = to;
            Block(issue, from, to);
            if (Chance(0.25))
            {
                var from2 = Plus(from, Uniform(0.2, 0.8) * hours / 24);
                var to2 = Plus(from2, Uniform(0.3, 1.2) * hours / 24);
                Block(issue, from2, to2);
                until = Max(until, to2);
            }

            delay = (until - from).TotalDays;
        }

        return Plus(at, effort + delay);
    }

    private void Block(Issue issue, DateTimeOffset from, DateTimeOffset to)
    {
        if (from < _windowEnd)
        {
            _rows.Blocks.Add(new BlockRow(issue.Key, from, to >= _horizon ? null : to));
        }
    }

    private void Move(Issue issue, Status to, DateTimeOffset at)
    {
        var from = issue.Status;
        _rows.Transitions.Add(new TransitionRow(
            issue.Key, at, StatusNames[(int)from], StatusNames[(int)to], StatusCategories[(int)from], StatusCategories[(int)to]));
        issue.Status = to;
        issue.ResolvedAt = to == Status.Done ? at : null;
        if (!issue.Stuck && Chance(0.3))
        {
            Comment(issue, Plus(at, Uniform(0.003, 0.25)));
        }
    }

    private void Comment(Issue issue, DateTimeOffset at)
    {
        if (at <= issue.LastCommentAt)
        {
            at = issue.LastCommentAt.AddMinutes(1);
        }

        if (at >= _windowEnd)
        {
            return;
        }

        var r = _rng.NextDouble();
        var author = r < 0.55 && issue.Assignee is not null ? issue.Assignee
            : r < 0.8 ? _team.People[_rng.Next(_team.People.Count)]
            : _team.ProductOwner;
        _rows.Comments.Add(new CommentRow(issue.Key, author, at));
        issue.LastCommentAt = at;
    }

    private Membership Add(List<Membership> scope, Issue issue, DateTimeOffset addedAt, bool carried)
    {
        var membership = new Membership(issue, addedAt, issue.Points) { Carried = carried };
        scope.Add(membership);
        issue.BlockedThisSprint = issue.ReworkedThisSprint = issue.ReopenedThisSprint = false;
        if (!carried && Chance(0.15))
        {
            Comment(issue, Plus(addedAt, Uniform(0.01, 0.5)));
        }

        return membership;
    }

    private void Reestimate(Issue issue, decimal points)
    {
        var index = Array.IndexOf(Fibonacci, points);
        var up = index <= 0 || (index < Fibonacci.Length - 1 && Chance(0.65));
        var updated = Fibonacci[up ? index + 1 : index - 1];
        issue.RemainingDays *= Math.Sqrt((double)(updated / points));
        issue.Points = updated;
    }

    /// <summary>Retires epics whose last sprint has passed (done when it closed) and starts new ones so 2-4 are open.</summary>
    private void UpdateEpics(DateTimeOffset start)
    {
        for (var i = _epics.Count - 1; i >= 0; i--)
        {
            if (_epics[i].LastSprint < _sprint)
            {
                Move(_epics[i].Issue, Status.Done, Plus(_previousClose, -Uniform(0.01, 0.1)));
                _epics.RemoveAt(i);
            }
        }

        while (_epics.Count < 2 || (_epics.Count < 4 && Chance(0.15)))
        {
            var epic = NewIssue("Epic", Plus(start, -Uniform(1, 20)));
            epic.Assignee = _team.ProductOwner;
            Move(epic, Status.InProgress, Plus(start, Uniform(0.05, 1)));
            _epics.Add(new Epic(epic, _sprint + _rng.Next(2, 9)));
        }
    }

    private Issue NewIssue(string type, DateTimeOffset createdAt)
    {
        var bug = type == "Bug";
        var epic = type == "Epic";
        decimal? points = epic || Chance(bug ? 0.2 : 0.04) ? null
            : bug ? Weighted(BugPoints, BugPointWeights) : Weighted(StoryPoints, StoryPointWeights);
        var labels = new List<string>(2);
        if (bug && Chance(0.35))
        {
            labels.Add("production");
        }

        var r = _rng.NextDouble();
        if (!epic && r > 0.35)
        {
            labels.Add(Areas[_rng.Next(Areas.Length)]);
            if (r > 0.8)
            {
                var second = Areas[_rng.Next(Areas.Length)];
                if (!labels.Contains(second))
                {
                    labels.Add(second);
                }
            }
        }

        var epicKey = !epic && _epics.Count > 0 && Chance(bug ? 0.15 : 0.75) ? _epics[_rng.Next(_epics.Count)].Issue.Key : null;
        var issue = new Issue($"{_team.Key}-{_nextNumber++}", type, epic ? "Medium" : Weighted(Priorities, bug ? BugPriorityWeights : PriorityWeights), createdAt)
        {
            Points = points,
            EpicKey = epicKey,
            Labels = labels,
            FreeAt = createdAt,
            LastCommentAt = createdAt,
            RemainingDays = points is { } p ? Math.Max(0.1, (double)p * DaysPerPoint * LogNormal(0.45)) : Uniform(0.5, 3),
        };
        _issues.Add(issue);
        return issue;
    }

    private string PlannedType()
    {
        var r = _rng.NextDouble();
        return r < _traits.BugShare ? "Bug" : r < _traits.BugShare + 0.22 ? "Task" : "Story";
    }

    private bool Chance(double p) => _rng.NextDouble() < p;

    private double Uniform(double min, double max) => min + (max - min) * _rng.NextDouble();

    /// <summary>Log-normal with mean 1.</summary>
    private double LogNormal(double sigma)
    {
        var normal = Math.Sqrt(-2 * Math.Log(1 - _rng.NextDouble())) * Math.Cos(2 * Math.PI * _rng.NextDouble());
        return Math.Exp(sigma * normal - sigma * sigma / 2);
    }

    private int Poisson(double mean)
    {
        var limit = Math.Exp(-mean);
        var k = 0;
        for (var p = _rng.NextDouble(); p > limit; p *= _rng.NextDouble())
        {
            k++;
        }

        return k;
    }

    private T Weighted<T>(T[] values, int[] weights)
    {
        var r = _rng.Next(weights.Sum());
        for (var i = 0; i < values.Length; i++)
        {
            r -= weights[i];
            if (r < 0)
            {
                return values[i];
            }
        }

        return values[^1];
    }

    /// <summary>Whole seconds, so the bundle's text form reads back as the same instants.</summary>
    private static DateTimeOffset Plus(DateTimeOffset at, double days) => at.AddSeconds(Math.Round(days * 86_400));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed class Issue(string key, string type, string priority, DateTimeOffset createdAt)
    {
        public string Key { get; } = key;

        public string Type { get; } = type;

        public string Priority { get; } = priority;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public decimal? Points { get; set; }

        public string? Assignee { get; set; }

        public string? EpicKey { get; init; }

        public IReadOnlyList<string> Labels { get; init; } = [];

        public Status Status { get; set; }

        public DateTimeOffset? ResolvedAt { get; set; }

        /// <summary>Development days left (blocked time excluded).</summary>
        public double RemainingDays { get; set; }

        /// <summary>Review days left when a review ran past a sprint's close.</summary>
        public double ReviewDays { get; set; }

        /// <summary>Since when it may be planned again (created, removed or sent back to the backlog).</summary>
        public DateTimeOffset FreeAt { get; set; }

        public DateTimeOffset LastCommentAt { get; set; }

        public bool Stuck { get; set; }

        public bool LeaveUnassigned { get; set; }

        public bool BlockedThisSprint { get; set; }

        public bool ReworkedThisSprint { get; set; }

        public bool ReopenedThisSprint { get; set; }
    }

    private sealed class Membership(Issue issue, DateTimeOffset addedAt, decimal? pointsAtStart)
    {
        public Issue Issue { get; } = issue;

        public DateTimeOffset AddedAt { get; } = addedAt;

        public decimal? PointsAtStart { get; } = pointsAtStart;

        public DateTimeOffset? RemovedAt { get; set; }

        public decimal? PointsAtRemoval { get; set; }

        public bool Carried { get; init; }

        public bool Urgent { get; set; }
    }

    private sealed record Epic(Issue Issue, int LastSprint);
}
