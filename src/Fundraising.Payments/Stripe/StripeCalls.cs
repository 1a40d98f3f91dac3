using Microsoft.Extensions.Options;
using Stripe;

namespace Fundraising.Payments.Stripe;

/// <summary>
/// Every call to Stripe goes through here: bounded by <see cref="StripeOptions.Timeout"/>, and any way
/// Stripe can fail (an API error, a refused connection, a timeout) becomes one
/// <see cref="PaymentProviderUnavailableException"/>, which the API answers with 502.
/// </summary>
public sealed class StripeCalls(StripeClient client, IOptions<StripeOptions> options)
{
    public StripeClient Client => client;

    public async Task<T> CallAsync<T>(Func<StripeClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            return await call(client, timeout.Token);
        }
        catch (Exception exception) when (exception is StripeException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new PaymentProviderUnavailableException("The card payment provider did not answer as expected.", exception);
        }
    }

    /// <summary>True when Stripe answered that the object does not exist (or, for a subscription, is already cancelled).</summary>
    public static bool IsMissing(PaymentProviderUnavailableException exception) =>
        exception.InnerException is StripeException { HttpStatusCode: System.Net.HttpStatusCode.NotFound };

    /// <summary>True when Stripe refused an idempotency key that was first used with other parameters.</summary>
    public static bool IsKeyReused(PaymentProviderUnavailableException exception) =>
        exception.InnerException is StripeException { HttpStatusCode: System.Net.HttpStatusCode.BadRequest, StripeError.Type: "idempotency_error" };
}
