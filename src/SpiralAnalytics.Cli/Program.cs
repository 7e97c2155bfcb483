namespace SpiralAnalytics.Cli;

internal static class Program
{
    private static Task<int> Main(string[] args) => SpiralCli.RunAsync(args, Console.Out, Console.Error);
}
