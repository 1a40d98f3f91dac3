using System.Net;
using Fundraising.FakeStripe.Tests.Support;
using Stripe;
using Stripe.Checkout;

namespace Fundraising.FakeStripe.Tests.Checkout;

public sealed class CheckoutTests : IAsyncLifetime
{
    private FakeStripeHarness stripe = null!;

    public async Task InitializeAsync() => stripe = await FakeStripeHarness.StartAsync();

    public async Task DisposeAsync() => await stripe.DisposeAsync();

    [Fact]
    public async Task PaymentSessionIsOpenUnpaidAndPointsAtTheHostedPage()
    {
        var session = await stripe.CreatePaymentSessionAsync(5000, "don-1");

        Assert.StartsWith("cs_test_", session.Id);
        Assert.Equal("checkout.session", session.Object);
        Assert.Equal("open", session.Status);
        Assert.Equal("unpaid", session.PaymentStatus);
        Assert.Equal("payment", session.Mode);
        Assert.Equal(5000, session.AmountTotal);
        Assert.Equal("cny", session.Currency);
        Assert.Equal("don-1", session.ClientReferenceId);
        Assert.Equal("don-1", session.Metadata["donation_id"]);
        Assert.Equal($"{stripe.Server.BaseUrl}/checkout/{session.Id}", session.Url);
        Assert.Null(session.PaymentIntentId);

        var fetched = await stripe.Client.V1.Checkout.Sessions.GetAsync(session.Id);
        Assert.Equal(session.Id, fetched.Id);
        Assert.Equal("open", fetched.Status);
    }

    [Fact]
    public async Task CardThatSucceedsCompletesTheSessionAndSendsSignedEvents()
    {
        var session = await stripe.CreatePaymentSessionAsync(5000, "don-2");

        await stripe.PayAsync(session.Id, "succeed");

        var events = await stripe.Receiver.WaitForTypesAsync("checkout.session.completed", "payment_intent.succeeded", "charge.succeeded");
        var completed = Assert.IsType<Session>(events["checkout.session.completed"].Data.Object);
        Assert.Equal(session.Id, completed.Id);
        Assert.Equal("complete", completed.Status);
        Assert.Equal("paid", completed.PaymentStatus);
        Assert.Equal("don-2", completed.Metadata["donation_id"]);

        var intent = await stripe.Client.V1.PaymentIntents.GetAsync(completed.PaymentIntentId);
        Assert.Equal("succeeded", intent.Status);
        Assert.Equal(5000, intent.Amount);
        Assert.Equal(5000, intent.AmountReceived);
        Assert.Equal("cny", intent.Currency);
        Assert.Equal("don-2", intent.Metadata["donation_id"]);

        var charge = Assert.IsType<Charge>(events["charge.succeeded"].Data.Object);
        Assert.Equal(intent.LatestChargeId, charge.Id);
        Assert.Equal(intent.Id, charge.PaymentIntentId);
        Assert.Equal(0, charge.AmountRefunded);
        Assert.Equal(Assert.IsType<PaymentIntent>(events["payment_intent.succeeded"].Data.Object).Id, intent.Id);
    }

    [Fact]
    public async Task DeclinedCardFailsThePaymentIntentAndLeavesTheSessionOpenForAnotherCard()
    {
        var session = await stripe.CreatePaymentSessionAsync(2500, "don-3");

        var afterDecline = await stripe.PayAsync(session.Id, "decline");

        Assert.Equal("open", afterDecline.GetProperty("status").GetString());
        var failed = await stripe.Receiver.WaitForTypesAsync("payment_intent.payment_failed");
        var failedIntent = Assert.IsType<PaymentIntent>(failed["payment_intent.payment_failed"].Data.Object);
        Assert.Equal("requires_payment_method", failedIntent.Status);
        Assert.Equal("card_declined", failedIntent.LastPaymentError.Code);
        Assert.Equal("don-3", failedIntent.Metadata["donation_id"]);
        Assert.Equal("open", (await stripe.Client.V1.Checkout.Sessions.GetAsync(session.Id)).Status);

        await stripe.PayAsync(session.Id, "succeed");

        var intent = await stripe.Client.V1.PaymentIntents.GetAsync(failedIntent.Id);
        Assert.Equal("succeeded", intent.Status);
        Assert.Equal("complete", (await stripe.Client.V1.Checkout.Sessions.GetAsync(session.Id)).Status);
    }

    [Fact]
    public async Task HostedPageShowsTheAmountAndThreeCards()
    {
        var session = await stripe.CreatePaymentSessionAsync(12345, "don-4");

        var html = await stripe.Http.GetStringAsync(session.Url);

        Assert.Contains("123.45 CNY", html);
        Assert.Contains("水滴计划", html);
        Assert.Contains("id=\"succeed\"", html);
        Assert.Contains("id=\"decline\"", html);
        Assert.Contains("id=\"requires-action\"", html);
    }

    [Fact]
    public async Task CardThatRequiresActionSucceedsAfterAuthenticationOnTheHostedPage()
    {
        var session = await stripe.CreatePaymentSessionAsync(5000, "don-5");

        using var choice = await stripe.Http.PostAsync(session.Url, Form("outcome", "requires_action"));

        Assert.Equal(HttpStatusCode.SeeOther, choice.StatusCode);
        Assert.Equal($"{session.Url}/authenticate", choice.Headers.Location!.ToString());
        Assert.Contains("Authenticate", await stripe.Http.GetStringAsync(choice.Headers.Location));
        var pending = await stripe.Client.V1.Checkout.Sessions.GetAsync(session.Id);
        var waiting = await stripe.Client.V1.PaymentIntents.GetAsync(pending.PaymentIntentId);
        Assert.Equal("requires_action", waiting.Status);
        Assert.Equal("redirect_to_url", waiting.NextAction.Type);

        using var authenticated = await stripe.Http.PostAsync(choice.Headers.Location, Form("result", "succeed"));

        Assert.Equal(HttpStatusCode.SeeOther, authenticated.StatusCode);
        Assert.Equal($"http://127.0.0.1:1/donations/don-5/thanks?session={session.Id}", authenticated.Headers.Location!.ToString());
        Assert.Equal("succeeded", (await stripe.Client.V1.PaymentIntents.GetAsync(waiting.Id)).Status);
        await stripe.Receiver.WaitForTypesAsync("payment_intent.requires_action", "payment_intent.succeeded", "checkout.session.completed");
    }

    [Fact]
    public async Task FailedAuthenticationSendsTheDonorToTheCancelUrlAndThePaymentFails()
    {
        var session = await stripe.CreatePaymentSessionAsync(5000, "don-6");
        using var choice = await stripe.Http.PostAsync(session.Url, Form("outcome", "requires_action"));

        using var failed = await stripe.Http.PostAsync(choice.Headers.Location, Form("result", "fail"));

        Assert.Equal(HttpStatusCode.SeeOther, failed.StatusCode);
        Assert.Equal("http://127.0.0.1:1/donations/don-6/cancelled", failed.Headers.Location!.ToString());
        var events = await stripe.Receiver.WaitForTypesAsync("payment_intent.payment_failed");
        var intent = Assert.IsType<PaymentIntent>(events["payment_intent.payment_failed"].Data.Object);
        Assert.Equal("payment_intent_authentication_failure", intent.LastPaymentError.Code);
        Assert.Equal("open", (await stripe.Client.V1.Checkout.Sessions.GetAsync(session.Id)).Status);
    }

    [Fact]
    public async Task ShortcutRequiresActionThenSucceedCompletesTheSession()
    {
        var session = await stripe.CreatePaymentSessionAsync(800, "don-7");

        var paid = await stripe.PayAsync(session.Id, "requires_action_then_succeed");

        Assert.Equal("complete", paid.GetProperty("status").GetString());
        Assert.Equal("paid", paid.GetProperty("payment_status").GetString());
        var received = await stripe.Receiver.WaitForTypesAsync("payment_intent.requires_action", "payment_intent.succeeded");
        Assert.Equal(
            received["payment_intent.requires_action"].Data.Object is PaymentIntent waiting ? waiting.Id : null,
            paid.GetProperty("payment_intent").GetString());
    }

    [Fact]
    public async Task ExpiredSessionCannotBePaid()
    {
        var session = await stripe.CreatePaymentSessionAsync(800, "don-8");

        var expired = await stripe.Client.V1.Checkout.Sessions.ExpireAsync(session.Id);

        Assert.Equal("expired", expired.Status);
        Assert.Null(expired.Url);
        using var response = await stripe.Http.PostAsync($"/_fake/checkout/{session.Id}/pay", System.Net.Http.Json.JsonContent.Create(new { outcome = "succeed" }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await stripe.Receiver.WaitForTypesAsync("checkout.session.expired");
    }

    [Fact]
    public async Task SessionWithoutLineItemsIsRefusedAsAMissingParameter()
    {
        var options = FakeStripeHarness.PaymentSessionOptions(100, "don-9");
        options.LineItems = null;

        var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.Client.V1.Checkout.Sessions.CreateAsync(options));

        Assert.Equal(HttpStatusCode.BadRequest, refused.HttpStatusCode);
        Assert.Equal("invalid_request_error", refused.StripeError.Type);
        Assert.Equal("parameter_missing", refused.StripeError.Code);
        Assert.Equal("line_items", refused.StripeError.Param);
    }

    [Fact]
    public async Task RecurringPriceInPaymentModeIsRefused()
    {
        var options = FakeStripeHarness.PaymentSessionOptions(100, "don-10");
        options.LineItems[0].PriceData.Recurring = new SessionLineItemPriceDataRecurringOptions { Interval = "month" };

        var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.Client.V1.Checkout.Sessions.CreateAsync(options));

        Assert.Equal("line_items[0][price_data][recurring]", refused.StripeError.Param);
    }

    private static FormUrlEncodedContent Form(string name, string value) => new([new(name, value)]);
}
