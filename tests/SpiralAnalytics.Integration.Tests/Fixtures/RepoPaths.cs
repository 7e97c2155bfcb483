namespace SpiralAnalytics.Integration.Tests.Fixtures;

/// <summary>Where the repository, its local services' settings and the shared datasets are.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>../shared/datasets beside the repository (never copied into it).</summary>
    public static string Datasets => Path.GetFullPath(Path.Combine(Root, "..", "shared", "datasets"));

    public static string JiraSprintReports => Path.Combine(Datasets, "jira-sprint-reports");

    public sealed record Settings(string Owner, string Runtime, string? Redis);

    /// <summary>The environment's ConnectionStrings__* first, then .local/env written by scripts/local-up, then its defaults.</summary>
    public static Settings LocalSettings()
    {
        var file = new Dictionary<string, string>(StringComparer.Ordinal);
        var env = Path.Combine(Root, ".local", "env");
        if (File.Exists(env))
        {
            foreach (var line in File.ReadAllLines(env))
            {
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    file[line[..eq]] = line[(eq + 1)..].Trim('"');
                }
            }
        }

        string Get(string name, string fallback) =>
            Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : file.GetValueOrDefault(name, fallback);

        return new Settings(
            Get("ConnectionStrings__Owner", "Host=127.0.0.1;Port=55432;Database=spiral;Username=spiral_owner;Password=spiral_owner_local"),
            Get("ConnectionStrings__Runtime", "Host=127.0.0.1;Port=55432;Database=spiral;Username=spiral_app;Password=spiral_app_local"),
            Get("ConnectionStrings__Redis", "127.0.0.1:56379"));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SpiralAnalytics.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("SpiralAnalytics.sln not found above " + AppContext.BaseDirectory);
    }
}
