using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Fundraising.TestSupport;

/// <summary>A message the local SMTP server received: the first recipient, subject and plain-text body.</summary>
public sealed record ReceivedMail(string To, string From, string Subject, string Body);

/// <summary>
/// An SMTP server on 127.0.0.1 and a free port (the SmtpServer package), keeping every message it receives, so that
/// tests see what the web host really sent over SMTP. No TLS: hosts under test set <c>Donors:Smtp:UseTls=false</c>.
/// </summary>
public sealed class LocalSmtpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly Store _store = new();

    public LocalSmtpServer()
    {
        Port = TestEnvironment.FreePort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_store);
        _running = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    public int Port { get; }

    /// <summary>Settings for a web host that sends its donor codes here.</summary>
    public IReadOnlyDictionary<string, string> HostSettings => new Dictionary<string, string>
    {
        ["Donors__Smtp__Host"] = "127.0.0.1",
        ["Donors__Smtp__Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Donors__Smtp__UseTls"] = "false",
    };

    /// <summary>Every message to <paramref name="to"/> so far, oldest first.</summary>
    public IReadOnlyList<ReceivedMail> MessagesTo(string to) => [.. _store.Messages.Where(m => string.Equals(m.To, to, StringComparison.OrdinalIgnoreCase))];

    /// <summary>Waits until <paramref name="to"/> has received <paramref name="count"/> messages; returns the last.</summary>
    public async Task<ReceivedMail> WaitForMessageAsync(string to, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var messages = MessagesTo(to);
            if (messages.Count >= count)
            {
                return messages[count - 1];
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No message {count} to {to} within the timeout; {_store.Messages.Count} messages received in all.");
            }
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private sealed class Store : MessageStore
    {
        public ConcurrentQueue<ReceivedMail> Messages { get; } = new();

        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            Messages.Enqueue(new ReceivedMail(
                message.To.Mailboxes.First().Address, message.From.Mailboxes.First().Address, message.Subject ?? "", message.TextBody ?? ""));
            return SmtpResponse.Ok;
        }
    }
}
