using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fundraising.TestSupport;

/// <summary>
/// One of the repository's programs running as a real process (a silo, a client-mode web front end,
/// the fake Stripe), so that tests can kill it the way a crash would. The test projects reference each
/// program they start (without its assembly), so building the tests builds the binary run here.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly StreamWriter _log;
    private bool _logClosed;

    private AppProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        // Every process's output is kept under .data/test-logs, so a failed run in CI can be read afterwards.
        var folder = Path.Combine(TestEnvironment.RepositoryRoot, ".data", "test-logs");
        Directory.CreateDirectory(folder);
        LogPath = Path.Combine(folder, $"{DateTime.UtcNow:HHmmss}-{name}-{Guid.NewGuid().ToString("N")[..6]}.log");
        _log = new StreamWriter(LogPath) { AutoFlush = true };
    }

    /// <summary>Where this process's output is written.</summary>
    public string LogPath { get; }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>Starts <c>dotnet Project.dll args</c> with the given environment and waits until the host says it started.</summary>
    public static async Task<AppProcess> StartAsync(string project, string name, IReadOnlyDictionary<string, string> environment, string arguments = "", TimeSpan? timeout = null)
    {
        var assembly = TestEnvironment.ProgramAssembly(project);
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"{assembly} is not built: the test project should reference {project} (ReferenceOutputAssembly=\"false\").", assembly);
        }
        var start = new ProcessStartInfo("dotnet", $"\"{assembly}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestEnvironment.ProgramFolder(project),
        };
        // One environment name for both hosting prefixes (DOTNET_ would otherwise win over ASPNETCORE_).
        var hostingEnvironment = environment.GetValueOrDefault("ASPNETCORE_ENVIRONMENT", "Development");
        start.Environment["DOTNET_ENVIRONMENT"] = hostingEnvironment;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = hostingEnvironment;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var app = new AppProcess(name, process);
        process.OutputDataReceived += (_, e) => app.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => app.OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            // Let the output readers drain first, so the failure message carries the process's last words.
            process.WaitForExit();
            app._started.TrySetException(new InvalidOperationException($"{name} exited during start:\n{app.Output}"));
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await app._started.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            await app.DisposeAsync();
            throw new TimeoutException($"{name} did not start in time:\n{app.Output}");
        }
        return app;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        lock (_log)
        {
            if (!_logClosed)
            {
                _log.WriteLine(line);
            }
        }
        while (_output.Count > 2000 && _output.TryDequeue(out _))
        {
        }
        // Microsoft.Hosting.Lifetime logs this once every hosted service (the silo among them) has started.
        if (line.Contains("Application started", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }

    /// <summary>Ends the process at once, as a crash or <c>kill -9</c> would: no graceful shutdown.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.CompletedTask;
        _process.Dispose();
        lock (_log)
        {
            _logClosed = true;
            _log.Dispose();
        }
    }
}
