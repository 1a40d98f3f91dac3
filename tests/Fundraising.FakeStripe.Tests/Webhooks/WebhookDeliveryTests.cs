using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.FakeStripe.Tests.Support;
using Stripe;

namespace Fundraising.FakeStripe.Tests.Webhooks;

public sealed class WebhookDeliveryTests
{
    [Fact]
    public async Task TamperedPayloadFailsVerification()
    {
        await using var stripe = await FakeStripeHarness.StartAsync();
        await stripe.PaidDonationAsync(5000, "don-w1");
        var delivery = (await stripe.Receiver.WaitForAsync(all => all.Count > 0))[0];

        var tampered = delivery.Payload.Replace("5000", "9000", StringComparison.Ordinal);

        Assert.NotEqual(delivery.Payload, tampered);
        Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(tampered, delivery.Signature, FakeStripeHarness.WebhookSecret));
        Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(delivery.Payload, delivery.Signature, "whsec_someone_else"));
        Assert.Equal(0, stripe.Receiver.Rejected);
    }

    [Fact]
    public async Task RotatedSecretsSignEveryDeliveryWithEachSoEitherVerifies()
    {
        await using var stripe = await FakeStripeHarness.StartAsync(secrets: ["whsec_old_secret", "whsec_new_secret"]);

        await stripe.PaidDonationAsync(5000, "don-w2");

        var deliveries = await stripe.Receiver.WaitForAsync(all => all.Count == 3);
        Assert.All(deliveries, delivery =>
        {
            Assert.Equal(["whsec_old_secret", "whsec_new_secret"], delivery.VerifiedWith);
            Assert.Equal(2, delivery.Signature.Split(',').Count(part => part.StartsWith("v1=", StringComparison.Ordinal)));
        });
    }

    [Fact]
    public async Task FailedDeliveriesAreRetriedUntilTheEndpointAnswers2xx()
    {
        await using var stripe = await FakeStripeHarness.StartAsync(options => options.Webhooks.MaxConcurrency = 1);
        stripe.Receiver.FailNext(2);

        await stripe.PaidDonationAsync(5000, "don-w3");

        await stripe.Receiver.WaitForAsync(all => all.Count == 3);
        Assert.Equal(5, stripe.Receiver.Attempts.Count);
        var status = await WaitForStatusAsync(stripe, s => s.GetProperty("delivered").GetInt32() == 3);
        Assert.Equal(5, status.GetProperty("attempts").GetInt64()); // every POST the endpoint received, retries included
        Assert.Empty((await stripe.Client.V1.Events.ListAsync(new EventListOptions { DeliverySuccess = false })).Data);
    }

    [Fact]
    public async Task EndpointThatKeepsFailingLeavesEventsUndeliveredAfterBoundedAttempts()
    {
        await using var stripe = await FakeStripeHarness.StartAsync(options => options.Webhooks.MaxAttempts = 3);
        stripe.Receiver.FailAlways(true);

        await stripe.PaidDonationAsync(5000, "don-w4");

        var status = await WaitForStatusAsync(stripe, s => s.GetProperty("failed").GetInt32() == 3);
        Assert.Equal(0, status.GetProperty("pending").GetInt32());
        Assert.Equal(9, stripe.Receiver.Attempts.Count);
        Assert.Equal(3, (await stripe.Client.V1.Events.ListAsync(new EventListOptions { DeliverySuccess = false })).Data.Count);

        stripe.Receiver.FailAlways(false);
        using var redeliver = await stripe.Http.PostAsync("/_fake/webhooks/redeliver", null);
        await stripe.Receiver.WaitForAsync(all => all.Count == 3);
    }

    [Fact]
    public async Task DuplicateRateOneDeliversEveryEventTwice()
    {
        await using var stripe = await FakeStripeHarness.StartAsync();
        await stripe.SetChaosAsync(new { duplicateRate = 1.0 });

        await stripe.PaidDonationAsync(5000, "don-w5");

        var deliveries = await stripe.Receiver.WaitForAsync(all => all.Count == 6);
        Assert.All(deliveries.GroupBy(d => d.Event.Id), copies => Assert.Equal(2, copies.Count()));
    }

    [Fact]
    public async Task ReorderWindowHoldsEventsAndSendsThemInAnotherOrder()
    {
        await using var stripe = await FakeStripeHarness.StartAsync(options => options.Webhooks.MaxConcurrency = 1);
        await stripe.SetChaosAsync(new { reorderWindowMs = 1500 });
        var clock = Stopwatch.StartNew();

        foreach (var donation in new[] { "a", "b", "c", "d" })
        {
            await stripe.PaidDonationAsync(1000, donation);
        }

        var deliveries = await stripe.Receiver.WaitForAsync(all => all.Count == 12);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(1400), $"delivered after {clock.Elapsed}");
        var created = (await stripe.Client.V1.Events.ListAsync(new EventListOptions { Limit = 100 })).Data.Select(e => e.Id).Reverse().ToList();
        var arrived = deliveries.Select(d => d.Event.Id).ToList();
        Assert.Equal(created.Order(), arrived.Order());
        Assert.NotEqual(created, arrived);
    }

    [Fact]
    public async Task DelayHoldsEachDeliveryBack()
    {
        await using var stripe = await FakeStripeHarness.StartAsync();
        await stripe.SetChaosAsync(new { delayMs = 800 });
        var clock = Stopwatch.StartNew();

        await stripe.PaidDonationAsync(5000, "don-w7");
        await stripe.Receiver.WaitForAsync(all => all.Count == 3);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(750), $"delivered after {clock.Elapsed}");
    }

    [Fact]
    public async Task SameSeedDropsTheSameEvents()
    {
        var first = await DroppedPatternAsync(seed: 11);
        var second = await DroppedPatternAsync(seed: 11);

        Assert.Equal(first, second);
        Assert.Contains(true, first);
        Assert.Contains(false, first);
    }

    /// <summary>Which of a fixed sequence of events a drop rate of one half throws away.</summary>
    private static async Task<bool[]> DroppedPatternAsync(int seed)
    {
        await using var stripe = await FakeStripeHarness.StartAsync(options => options.Seed = seed);
        await stripe.SetChaosAsync(new { dropRate = 0.5 });
        for (var i = 0; i < 8; i++)
        {
            await stripe.PaidDonationAsync(100 + i, $"don-{i}");
        }
        await WaitForStatusAsync(stripe, s => s.GetProperty("pending").GetInt32() == 0);
        var events = new List<Event>();
        await foreach (var stripeEvent in stripe.Client.V1.Events.ListAutoPagingAsync(new EventListOptions { Limit = 100 }))
        {
            events.Add(stripeEvent);
        }
        return events.AsEnumerable().Reverse().Select(e => e.PendingWebhooks == 1).ToArray();
    }

    private static async Task<JsonElement> WaitForStatusAsync(FakeStripeHarness stripe, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var status = await stripe.Http.GetFromJsonAsync<JsonElement>("/_fake/webhooks");
            if (condition(status))
            {
                return status;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Webhook status not reached in time: {status}");
            await Task.Delay(25);
        }
    }
}
