using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Fundraising.TestSupport;

/// <summary>
/// The log of a host running inside the test process: every line goes to a file under
/// <c>.data/test-logs</c> (as <see cref="AppProcess"/> keeps a process's output), so a failed run in CI
/// can be read afterwards, and the last lines are kept in memory for start failures and assertions.
/// </summary>
public sealed class TestLogFile : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly StreamWriter _file;
    private bool _closed;

    public TestLogFile(string name)
    {
        var folder = Path.Combine(TestEnvironment.RepositoryRoot, ".data", "test-logs");
        Directory.CreateDirectory(folder);
        LogPath = Path.Combine(folder, $"{DateTime.UtcNow:HHmmss}-{name}-{Guid.NewGuid().ToString("N")[..6]}.log");
        _file = new StreamWriter(LogPath) { AutoFlush = true };
    }

    /// <summary>Where this host's log is written.</summary>
    public string LogPath { get; }

    /// <summary>The last 2000 lines, oldest first.</summary>
    public string Output => string.Join(Environment.NewLine, _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    private void Write(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            _lines.Enqueue(line.TrimEnd('\r'));
        }
        while (_lines.Count > 2000 && _lines.TryDequeue(out _))
        {
        }
        lock (_file)
        {
            if (!_closed)
            {
                _file.WriteLine(text);
            }
        }
    }

    /// <summary>Closes the file; lines logged afterwards (a host still stopping) are kept in memory only.</summary>
    public void Dispose()
    {
        lock (_file)
        {
            _closed = true;
            _file.Dispose();
        }
    }

    private sealed class Logger(TestLogFile file, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        // Levels are filtered by the host's own Logging configuration, as for its console logger.
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var text = $"{DateTime.UtcNow:HH:mm:ss.fff} {Level(logLevel)}: {category}[{eventId.Id}] {formatter(state, exception)}";
            file.Write(exception is null ? text : text + Environment.NewLine + exception);
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
