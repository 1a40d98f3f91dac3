using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Fundraising.FakeStripe.Tests.Support;
using Stripe;

namespace Fundraising.FakeStripe.Tests.Api;

public sealed class IdempotencyTests : IAsyncLifetime
{
    private FakeStripeHarness stripe = null!;

    public async Task InitializeAsync() => stripe = await FakeStripeHarness.StartAsync();

    public async Task DisposeAsync() => await stripe.DisposeAsync();

    [Fact]
    public async Task SameKeyAndParametersReplayTheFirstResponse()
    {
        var key = new RequestOptions { IdempotencyKey = "donation-d1" };

        var first = await stripe.CreatePaymentSessionAsync(5000, "d1", key);
        var second = await stripe.CreatePaymentSessionAsync(5000, "d1", key);

        Assert.Equal(first.Id, second.Id);
        Assert.False(first.StripeResponse.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.StripeResponse.Headers.GetValues("Idempotent-Replayed").Single());
    }

    [Fact]
    public async Task ReplayedRefundIsMadeOnlyOnce()
    {
        var (_, intentId) = await stripe.PaidDonationAsync(5000, "d2");
        var refund = new RefundCreateOptions { PaymentIntent = intentId, Amount = 1000 };
        var key = new RequestOptions { IdempotencyKey = "refund-1" };

        var first = await stripe.Client.V1.Refunds.CreateAsync(refund, key);
        var second = await stripe.Client.V1.Refunds.CreateAsync(refund, key);

        Assert.Equal(first.Id, second.Id);
        var charge = await stripe.Client.V1.Charges.GetAsync(first.ChargeId);
        Assert.Equal(1000, charge.AmountRefunded);
    }

    [Fact]
    public async Task SameKeyWithOtherParametersIsAnIdempotencyError()
    {
        var key = new RequestOptions { IdempotencyKey = "donation-d3" };
        await stripe.CreatePaymentSessionAsync(5000, "d3", key);

        var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.CreatePaymentSessionAsync(6000, "d3", key));

        Assert.Equal(HttpStatusCode.BadRequest, refused.HttpStatusCode);
        Assert.Equal("idempotency_error", refused.StripeError.Type);
    }

    [Fact]
    public async Task PostsWithoutAKeyAreNotDeduplicated()
    {
        var (_, intentId) = await stripe.PaidDonationAsync(5000, "d4");
        var refundA = await PostRefundAsync(intentId, key: null, amount: 100);
        var refundB = await PostRefundAsync(intentId, key: null, amount: 100);

        Assert.False(refundB.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual(await IdOf(refundA), await IdOf(refundB));
        Assert.Equal(200, (await stripe.Client.V1.Charges.GetAsync((await stripe.Client.V1.PaymentIntents.GetAsync(intentId)).LatestChargeId)).AmountRefunded);
    }

    [Fact]
    public async Task RefusalAfterExecutionIsReplayedButValidationErrorsAreNot()
    {
        var (_, intentId) = await stripe.PaidDonationAsync(500, "d5");
        await stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId });

        var refused = await PostRefundAsync(intentId, key: "refund-again");
        var replayed = await PostRefundAsync(intentId, key: "refund-again");

        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await refused.Content.ReadAsStringAsync(), await replayed.Content.ReadAsStringAsync());

        // A request that fails validation never began, so the same key may be used again.
        var invalid = await PostRefundAsync(intentId: null, key: "first-try");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var (_, other) = await stripe.PaidDonationAsync(500, "d6");
        var valid = await PostRefundAsync(other, key: "first-try");
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    private async Task<HttpResponseMessage> PostRefundAsync(string? intentId, string? key, long? amount = null)
    {
        var form = new List<KeyValuePair<string, string>>();
        if (intentId is not null)
        {
            form.Add(new("payment_intent", intentId));
        }
        if (amount is not null)
        {
            form.Add(new("amount", amount.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/refunds") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FakeStripeHarness.ApiKey);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return await stripe.Http.SendAsync(request);
    }

    private static async Task<string> IdOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
}
