using System.CommandLine;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace SpiralAnalytics.Cli.Commands;

/// <summary>
/// <c>spiral serve [--urls URL] [ASP.NET Core arguments]</c>: runs the API (CLI.md: "same as the Api project") until Ctrl-C or
/// SIGTERM. It runs the Api assembly's own entry point, so its Program.cs stays the one table of contents of the service and
/// nothing is wired twice; the content root is this command's folder, where the build puts the Api's settings and chat page.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext cli)
    {
        var urls = new Option<string?>("--urls") { Description = "where to listen, e.g. http://127.0.0.1:5080 (default: ASPNETCORE_URLS, else http://localhost:5000)" };
        var command = new Command("serve", "Run the API (the same service as the Api project) until stopped; other arguments go to ASP.NET Core (e.g. --Jobs:Enabled=false)")
        {
            urls,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var args = new List<string> { "--contentRoot", AppContext.BaseDirectory };
            if (parse.GetValue(urls) is { } listen)
            {
                args.AddRange(["--urls", listen]);
            }

            args.AddRange(cli.Overrides.Select(o => $"--{o.Key}={o.Value}"));
            args.AddRange(parse.UnmatchedTokens);
            var entry = typeof(Api.ChatPage).Assembly.EntryPoint
                ?? throw new InvalidOperationException("the Api assembly has no entry point");
            try
            {
                entry.Invoke(null, [args.ToArray()]);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
