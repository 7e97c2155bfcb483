using System.Collections.ObjectModel;
using System.Drawing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Browser;

/// <summary>
/// Headless Debian Chromium driven through Debian's chromedriver (a browser downloaded by a tool cannot run here), at a
/// laptop's 1366×768, with screenshots of each step saved under <c>.local/test-results/screenshots/TEST/</c>.
/// </summary>
public sealed class ChromeSession : IDisposable
{
    public static string ChromiumPath => Environment.GetEnvironmentVariable("SPIRAL_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public static string DriverPath => Environment.GetEnvironmentVariable("SPIRAL_CHROMEDRIVER") is { Length: > 0 } p ? p : "/usr/bin/chromedriver";

    public static string ScreenshotRoot => Path.Combine(RepoPaths.Root, ".local", "test-results", "screenshots");

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly ChromeDriverService _service;
    private int _shots;

    public ChromeDriver Driver { get; }

    public string ScreenshotDirectory { get; }

    private ChromeSession(string testName)
    {
        _service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        _service.HideCommandPromptWindow = true;
        _service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,768",
            "--no-first-run", "--disable-extensions", "--lang=en-US");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        Driver = new ChromeDriver(_service, options, TimeSpan.FromSeconds(120));
        Driver.Manage().Window.Size = new Size(1366, 768);
        // The page itself gets the laptop's full 1366×768, whatever the headless window's frame takes.
        Driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
        {
            ["width"] = 1366, ["height"] = 768, ["deviceScaleFactor"] = 1, ["mobile"] = false,
        });
        ScreenshotDirectory = Path.Combine(ScreenshotRoot, testName);
        if (Directory.Exists(ScreenshotDirectory))
        {
            Directory.Delete(ScreenshotDirectory, recursive: true);
        }

        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>
    /// A session, or a skipped test when Chromium is not installed on a developer's machine. On CI (<c>CI</c> set) a missing
    /// browser is a failure: scripts/local-up installs it there.
    /// </summary>
    public static ChromeSession Start(string testName)
    {
        if (!File.Exists(ChromiumPath) || !File.Exists(DriverPath))
        {
            var message = $"Chromium ({ChromiumPath}) or chromedriver ({DriverPath}) is not installed: run scripts/local-up " +
                          "or apt-get install chromium chromium-driver";
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        return new ChromeSession(testName);
    }

    /// <summary>Saves <c>NN-step.png</c> and names it in the test output.</summary>
    public string Screenshot(string step)
    {
        var path = Path.Combine(ScreenshotDirectory, $"{++_shots:00}-{step}.png");
        Driver.GetScreenshot().SaveAsFile(path);
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
        return path;
    }

    public IWebElement Find(string css) => Driver.FindElement(By.CssSelector(css));

    public ReadOnlyCollection<IWebElement> FindAll(string css) => Driver.FindElements(By.CssSelector(css));

    /// <summary>Polls the page until <paramref name="condition"/> gives a value (DOM changes have no event to await).</summary>
    public T WaitFor<T>(string what, Func<T?> condition)
        where T : class
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        Exception? last = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (condition() is { } value)
                {
                    return value;
                }
            }
            catch (Exception e) when (e is StaleElementReferenceException or NoSuchElementException or InvalidOperationException)
            {
                last = e;
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"waited {Patience.TotalSeconds} s for {what}; page: {BodyText()}", last);
    }

    public IWebElement WaitFor(string css) =>
        WaitFor($"'{css}'", () => FindAll(css).FirstOrDefault(e => e.Displayed));

    public string BodyText()
    {
        try
        {
            var text = Find("body").Text;
            return text.Length > 1500 ? text[..1500] + "…" : text;
        }
        catch (WebDriverException e)
        {
            return $"(no page text: {e.Message})";
        }
    }

    /// <summary>The browser's console, for a failing test's output.</summary>
    public string ConsoleLog()
    {
        try
        {
            return string.Join(Environment.NewLine, Driver.Manage().Logs.GetLog(LogType.Browser).Select(e => $"{e.Level}: {e.Message}"));
        }
        catch (WebDriverException e)
        {
            return $"(no console log: {e.Message})";
        }
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        _service.Dispose();
    }
}
