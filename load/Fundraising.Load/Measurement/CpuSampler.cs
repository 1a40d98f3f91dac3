using System.Diagnostics;

namespace Fundraising.Load.Measurement;

/// <summary>Shares of the machine's CPU (1.0 = every core busy) over a measured interval.</summary>
public sealed record CpuShares(double Generator, double Server, double Postgres, double Other, double Total, int Cores);

/// <summary>
/// Reads CPU time from Linux's /proc: the whole machine, this process, the server under test and the
/// PostgreSQL server (its postmaster and children). What is left of the machine's busy time is
/// "other": work that was not part of the benchmark, reported so that a noisy run is visible.
/// </summary>
public sealed class CpuSampler(int? serverPid, int? postgresPid)
{
    private static readonly double TicksPerSecond = 100.0; // USER_HZ on Linux

    public Snapshot Take() => new(
        Stopwatch.GetTimestamp(),
        MachineBusySeconds(),
        Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        serverPid is { } s ? ProcessSeconds(s) : 0,
        postgresPid is { } p ? TreeSeconds(p) : 0);

    public static CpuShares Between(Snapshot start, Snapshot end)
    {
        var cores = Environment.ProcessorCount;
        var wall = (end.Timestamp - start.Timestamp) / (double)Stopwatch.Frequency;
        if (wall <= 0)
        {
            return new CpuShares(0, 0, 0, 0, 0, cores);
        }
        double Share(double seconds) => Math.Round(Math.Max(0, seconds) / (wall * cores), 3);
        var generator = end.Generator - start.Generator;
        var server = end.Server - start.Server;
        var postgres = end.Postgres - start.Postgres;
        var total = end.MachineBusy - start.MachineBusy;
        return new CpuShares(Share(generator), Share(server), Share(postgres), Share(total - generator - server - postgres), Share(total), cores);
    }

    public readonly record struct Snapshot(long Timestamp, double MachineBusy, double Generator, double Server, double Postgres);

    private static double MachineBusySeconds()
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal ...
            var line = File.ReadLines("/proc/stat").First();
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            double busy = 0;
            for (var i = 1; i < parts.Length && i <= 8; i++)
            {
                if (i is 4 or 5)
                {
                    continue; // idle, iowait
                }
                busy += double.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture);
            }
            return busy / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>utime + stime of one process, in seconds (0 when it is gone).</summary>
    public static double ProcessSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may contain spaces: fields start after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After the name: state(0) ppid(1) ... utime(11) stime(12)
            return (double.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                  + double.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>A process and its direct children (PostgreSQL's backends are children of the postmaster).</summary>
    private static double TreeSeconds(int root)
    {
        var total = ProcessSeconds(root);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == root)
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == root)
                {
                    total += (double.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                            + double.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / TicksPerSecond;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we looked.
            }
        }
        return total;
    }

    /// <summary>Resident set size (VmRSS) of a process in bytes, or 0.</summary>
    public static long ResidentBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
