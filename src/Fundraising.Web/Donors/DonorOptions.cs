using System.ComponentModel.DataAnnotations;

namespace Fundraising.Web.Donors;

/// <summary>Bound from <c>Donors</c>: the address key, how long codes and tokens live, and the SMTP server for e-mail codes.</summary>
public sealed class DonorOptions : IValidatableObject
{
    /// <summary>Keys the HMAC of addresses and codes, so the tables hold neither. Required; rotating it forgets every donor.</summary>
    [Required(ErrorMessage = "Donors:AddressKey is required (at least 32 characters): it keys the hashes of donors' addresses.")]
    [MinLength(32, ErrorMessage = "Donors:AddressKey must be at least 32 characters.")]
    public string AddressKey { get; set; } = "";

    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(30);

    public SmtpOptions Smtp { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CodeLifetime <= TimeSpan.Zero || CodeLifetime > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Donors:CodeLifetime must be more than zero and at most an hour.", [nameof(CodeLifetime)]);
        }
        if (TokenLifetime <= TimeSpan.Zero || TokenLifetime > TimeSpan.FromDays(366))
        {
            yield return new ValidationResult("Donors:TokenLifetime must be more than zero and at most a year.", [nameof(TokenLifetime)]);
        }
        if (Smtp.IsConfigured && (Smtp.Port is < 1 or > 65535))
        {
            yield return new ValidationResult("Donors:Smtp:Port must be between 1 and 65535.", [nameof(Smtp)]);
        }
        if (Smtp.IsConfigured && string.IsNullOrWhiteSpace(Smtp.From))
        {
            yield return new ValidationResult("Donors:Smtp:From is required when Donors:Smtp:Host is set.", [nameof(Smtp)]);
        }
    }
}

/// <summary>Bound from <c>Donors:Smtp</c>. Unset <see cref="Host"/> means no SMTP: codes go to the development outbox.</summary>
public sealed class SmtpOptions
{
    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    /// <summary>True: upgrade the connection with STARTTLS (required); false: plain SMTP, for a relay on the same host.</summary>
    public bool UseTls { get; set; } = true;

    public string UserName { get; set; } = "";

    public string Password { get; set; } = "";

    public string From { get; set; } = "";

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}
