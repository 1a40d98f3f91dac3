using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.FakeStripe.Tests.Support;
using Stripe;

namespace Fundraising.FakeStripe.Tests.Events;

public sealed class EventTests : IAsyncLifetime
{
    private FakeStripeHarness stripe = null!;

    public async Task InitializeAsync() => stripe = await FakeStripeHarness.StartAsync();

    public async Task DisposeAsync() => await stripe.DisposeAsync();

    [Fact]
    public async Task EventsCarryThePinnedApiVersionAndTheRequestThatCausedThem()
    {
        var (_, intentId) = await stripe.PaidDonationAsync(5000, "don-e1");

        var refund = await stripe.Client.V1.Refunds.CreateAsync(
            new RefundCreateOptions { PaymentIntent = intentId, Amount = 100 }, new RequestOptions { IdempotencyKey = "refund-e1" });

        var events = await stripe.Receiver.WaitForTypesAsync("refund.created", "checkout.session.completed");
        var created = events["refund.created"];
        Assert.StartsWith("evt_", created.Id);
        Assert.Equal("event", created.Object);
        Assert.Equal(StripeConfiguration.ApiVersion, created.ApiVersion);
        Assert.False(created.Livemode);
        Assert.Equal(refund.Id, Assert.IsType<Refund>(created.Data.Object).Id);
        Assert.Equal("refund-e1", created.Request.IdempotencyKey);
        Assert.Equal(refund.StripeResponse.RequestId, created.Request.Id);
        Assert.Null(events["checkout.session.completed"].Request.Id);

        Assert.Equal("refund.created", (await stripe.Client.V1.Events.GetAsync(created.Id)).Type);
        // The receiver records a delivery just before its 200 reaches the fake, which then marks it delivered.
        await WaitUntilAsync(async () => (await stripe.Client.V1.Events.GetAsync(created.Id)).PendingWebhooks == 0);
    }

    [Fact]
    public async Task EventsListFiltersByTypeAndPagesNewestFirst()
    {
        foreach (var donation in new[] { "a", "b", "c" })
        {
            await stripe.PaidDonationAsync(1000, donation);
        }

        var firstPage = await stripe.Client.V1.Events.ListAsync(new EventListOptions { Type = "charge.succeeded", Limit = 2 });
        var secondPage = await stripe.Client.V1.Events.ListAsync(new EventListOptions { Type = "charge.succeeded", Limit = 2, StartingAfter = firstPage.Data[^1].Id });

        Assert.True(firstPage.HasMore);
        Assert.False(secondPage.HasMore);
        var charges = firstPage.Data.Concat(secondPage.Data).Select(e => (Charge)e.Data.Object).ToList();
        Assert.Equal(["c", "b", "a"], charges.Select(c => c.Metadata["donation_id"]));
        Assert.True(firstPage.Data[0].Created >= firstPage.Data[1].Created);

        var twoTypes = await stripe.Client.V1.Events.ListAsync(new EventListOptions { Types = ["charge.succeeded", "checkout.session.completed"], Limit = 100 });
        Assert.Equal(6, twoTypes.Data.Count);
        var wildcard = await stripe.Client.V1.Events.ListAsync(new EventListOptions { Type = "payment_intent.*", Limit = 100 });
        Assert.Equal(3, wildcard.Data.Count);
        var future = await stripe.Client.V1.Events.ListAsync(new EventListOptions { Created = new DateRangeOptions { GreaterThanOrEqual = DateTime.UtcNow.AddMinutes(5) } });
        Assert.Empty(future.Data);
        var all = new List<Event>();
        await foreach (var stripeEvent in stripe.Client.V1.Events.ListAutoPagingAsync(new EventListOptions { Limit = 2 }))
        {
            all.Add(stripeEvent);
        }
        Assert.Equal(9, all.Count);
    }

    [Fact]
    public async Task DroppedEventsStayUndeliveredUntilRedelivered()
    {
        await stripe.SetChaosAsync(new { dropRate = 1.0 });

        await stripe.PaidDonationAsync(5000, "don-drop");

        await WaitUntilAsync(async () =>
            (await stripe.Http.GetFromJsonAsync<JsonElement>("/_fake/webhooks")).GetProperty("dropped").GetInt32() == 3);
        var undelivered = await stripe.Client.V1.Events.ListAsync(new EventListOptions { DeliverySuccess = false });
        Assert.Equal(3, undelivered.Data.Count);
        Assert.All(undelivered.Data, e => Assert.Equal(1, e.PendingWebhooks));
        Assert.Contains(undelivered.Data, e => e.Type == "checkout.session.completed");
        Assert.Empty(stripe.Receiver.Attempts);

        await stripe.SetChaosAsync(new { });
        using var redeliver = await stripe.Http.PostAsync("/_fake/webhooks/redeliver", null);
        var redelivered = (await redeliver.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("redelivered").EnumerateArray().Select(e => e.GetString()).ToList();

        Assert.Equal(undelivered.Data.Select(e => e.Id).Order(), redelivered.Order());
        await stripe.Receiver.WaitForAsync(all => all.Count == 3);
        await WaitUntilAsync(async () => (await stripe.Client.V1.Events.ListAsync(new EventListOptions { DeliverySuccess = false })).Data.Count == 0);
        var delivered = await stripe.Client.V1.Events.ListAsync(new EventListOptions { DeliverySuccess = true });
        Assert.Equal(3, delivered.Data.Count);
    }

    [Fact]
    public async Task WithoutAWebhookEndpointEventsAreListedAsDelivered()
    {
        await using var quiet = await FakeStripeHarness.StartAsync(options => options.Webhooks.Url = "");

        await quiet.PaidDonationAsync(5000, "don-quiet");

        Assert.Empty((await quiet.Client.V1.Events.ListAsync(new EventListOptions { DeliverySuccess = false })).Data);
        Assert.Equal(3, (await quiet.Client.V1.Events.ListAsync(new EventListOptions { DeliverySuccess = true })).Data.Count);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Condition not met in time.");
            await Task.Delay(25);
        }
    }
}
