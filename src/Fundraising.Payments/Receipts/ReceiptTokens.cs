using Microsoft.Extensions.Options;

namespace Fundraising.Payments.Receipts;

/// <summary>Bound from <c>Receipts</c>.</summary>
public sealed class ReceiptOptions
{
    /// <summary>
    /// Key of the donors' receipt tokens (required, at least 32 characters, from the environment or a secret store).
    /// Changing it invalidates every receipt link handed out so far (admins still open every receipt).
    /// </summary>
    public string TokenSecret { get; set; } = "";
}

/// <summary>
/// What opens a gift's receipt (捐赠票据), which names the donor even on an anonymous gift: a token only its donor is
/// given (<see cref="DonorTokens"/>), never the donation id alone, which travels in Stripe's return address,
/// client_reference_id, admin links and log lines.
/// </summary>
public sealed class ReceiptTokens(IOptions<ReceiptOptions> options) : DonorTokens(() => options.Value.TokenSecret, "receipt");
