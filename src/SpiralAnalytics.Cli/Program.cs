using SpiralAnalytics.Cli;

return await SpiralCli.RunAsync(args, Console.Out, Console.Error);
