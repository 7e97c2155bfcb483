using System.Diagnostics;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Hardening;

/// <summary>scripts/lib/env.sh, sourced by every script under <c>set -e</c> (issue #16's defect).</summary>
public sealed class EnvScriptTests
{
    [Fact]
    public async Task Env_sh_keeps_a_variable_already_set_even_when_it_is_the_files_last_and_the_script_goes_on()
    {
        var state = Directory.CreateTempSubdirectory("spiral-env-").FullName;
        await File.WriteAllTextAsync(Path.Combine(state, "env"), "SPIRAL_TEST_FIRST=\"from-file\"\nSPIRAL_TEST_LAST=\"from-file\"\n", TestContext.Current.CancellationToken);
        var script = $"set -euo pipefail; source '{Path.Combine(RepoPaths.Root, "scripts", "lib", "env.sh")}'; echo \"ok $SPIRAL_TEST_FIRST $SPIRAL_TEST_LAST\"";
        var start = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["SPIRAL_STATE_DIR"] = state;
        start.Environment["SPIRAL_TEST_LAST"] = "from-environment";
        start.Environment.Remove("SPIRAL_TEST_FIRST");

        using var bash = Process.Start(start)!;
        var output = await bash.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await bash.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, bash.ExitCode); // was 1, silently: the loop's last `[ -z ] && export` chain failed under set -e
        Assert.Equal("ok from-file from-environment", output.Trim());
        Directory.Delete(state, recursive: true);
    }
}
