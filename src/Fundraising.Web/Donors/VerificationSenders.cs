using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Fundraising.Web.Donors;

/// <summary>One code to deliver. <see cref="To"/> is the normalized address.</summary>
public sealed record VerificationMessage(string To, string Subject, string Body, string Code);

/// <summary>Delivers verification codes to one kind of address.</summary>
public interface IVerificationSender
{
    Task SendAsync(VerificationMessage message, CancellationToken cancellationToken);
}

/// <summary>The sender for each kind of address; null when none is configured (phone codes in Production).</summary>
public sealed record VerificationSenders(IVerificationSender Email, IVerificationSender? Phone);

/// <summary>E-mail codes through the configured SMTP server (MailKit), STARTTLS when <c>Donors:Smtp:UseTls</c>.</summary>
public sealed class SmtpVerificationSender(IOptions<DonorOptions> options) : IVerificationSender
{
    public async Task SendAsync(VerificationMessage message, CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse(smtp.From));
        mail.To.Add(MailboxAddress.Parse(message.To));
        mail.Subject = message.Subject;
        mail.Body = new TextPart("plain") { Text = message.Body };

        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken);
        if (smtp.UserName.Length > 0)
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password, cancellationToken);
        }
        await client.SendAsync(mail, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}

/// <summary>A message the development outbox kept.</summary>
public sealed record OutboxMessage(string To, string Subject, string Body, string Code, DateTimeOffset SentAt);

/// <summary>
/// Outside Production only: keeps the last <see cref="Capacity"/> codes in memory for the development outbox page,
/// in place of e-mail when no SMTP host is set and always in place of SMS (there is no SMS provider yet).
/// </summary>
public sealed class DevelopmentOutbox(TimeProvider time) : IVerificationSender
{
    public const int Capacity = 500;

    private readonly LinkedList<OutboxMessage> _messages = new();
    private readonly Lock _lock = new();

    public Task SendAsync(VerificationMessage message, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _messages.AddFirst(new OutboxMessage(message.To, message.Subject, message.Body, message.Code, time.GetUtcNow()));
            if (_messages.Count > Capacity)
            {
                _messages.RemoveLast();
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Newest first; only those to <paramref name="to"/> when given.</summary>
    public IReadOnlyList<OutboxMessage> List(string? to)
    {
        lock (_lock)
        {
            return [.. _messages.Where(m => to is null || string.Equals(m.To, to, StringComparison.OrdinalIgnoreCase))];
        }
    }
}
