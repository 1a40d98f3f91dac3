using System.Net;

namespace Fundraising.Web.Tests.Cluster;

/// <summary>How the cluster tests' donors behave while silos fail: retry 5xx and timeouts with the same request; wait for progress.</summary>
internal static class ClusterRetries
{
    public static async Task<HttpResponseMessage> RetryAsync(Func<Task<HttpResponseMessage>> send, Action? onRetry = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                var response = await send();
                if (response.IsSuccessStatusCode)
                {
                    return response;
                }
                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.RequestTimeout)
                {
                    throw new InvalidOperationException($"Refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // The front end could not reach the grain in time: retry with the same key.
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("A request could not be completed within 90 s of retries.");
            }
            onRetry?.Invoke();
            await Task.Delay(250);
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The donors made no progress.");
            }
            await Task.Delay(20);
        }
    }
}
