using System.Text.Json.Nodes;
using Fundraising.FakeStripe.Api;

namespace Fundraising.FakeStripe.PaymentIntents;

/// <summary>A card payment's intent. Mutated only under <c>StripeStore.Gate</c>.</summary>
internal sealed class PaymentIntent
{
    public required string Id { get; init; }

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public required long Created { get; init; }

    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    public string? CustomerId { get; init; }

    public string? Description { get; init; }

    /// <summary><c>requires_payment_method</c>, <c>requires_action</c> or <c>succeeded</c>.</summary>
    public string Status { get; set; } = "requires_payment_method";

    public long AmountReceived { get; set; }

    public string? LatestChargeId { get; set; }

    /// <summary>The card error of the last failed attempt (Stripe's <c>last_payment_error</c>).</summary>
    public CardError? LastPaymentError { get; set; }

    /// <summary>Where the donor authenticates (3-D Secure) while the status is <c>requires_action</c>.</summary>
    public string? AuthenticationUrl { get; set; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "payment_intent",
        ["amount"] = Amount,
        ["amount_capturable"] = 0,
        ["amount_received"] = AmountReceived,
        ["capture_method"] = "automatic",
        ["client_secret"] = $"{Id}_secret_fake",
        ["confirmation_method"] = "automatic",
        ["created"] = Created,
        ["currency"] = Currency,
        ["customer"] = CustomerId,
        ["description"] = Description,
        ["last_payment_error"] = LastPaymentError?.ToJson(),
        ["latest_charge"] = LatestChargeId,
        ["livemode"] = false,
        ["metadata"] = StripeJson.Metadata(Metadata),
        ["next_action"] = Status == "requires_action" && AuthenticationUrl is not null
            ? new JsonObject
            {
                ["type"] = "redirect_to_url",
                ["redirect_to_url"] = new JsonObject { ["url"] = AuthenticationUrl, ["return_url"] = null },
            }
            : null,
        ["payment_method"] = null,
        ["payment_method_types"] = new JsonArray("card"),
        ["status"] = Status,
    };
}

/// <summary>Why a card attempt failed, in the shape of Stripe's error object.</summary>
internal sealed record CardError(string Code, string? DeclineCode, string Message)
{
    public static CardError Declined { get; } = new("card_declined", "generic_decline", "Your card was declined.");

    public static CardError AuthenticationFailed { get; } = new(
        "payment_intent_authentication_failure",
        null,
        "We are unable to authenticate your payment method. Please choose a different payment method and try again.");

    public JsonObject ToJson() => new()
    {
        ["type"] = "card_error",
        ["code"] = Code,
        ["decline_code"] = DeclineCode,
        ["message"] = Message,
    };
}
