using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Operations;

/// <summary>Reading a Prometheus scrape and the Orleans Dashboard's counters, as the observability tests do.</summary>
public static class ObservabilityCalls
{
    /// <summary>The scrape's text, taken after the exporter's cache of the previous one has surely expired (300 ms by default).</summary>
    public static async Task<string> ScrapeAsync(HttpClient client)
    {
        await Task.Delay(400);
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The sum of every sample of a metric (all its label sets, or those with every one of <paramref name="labels"/>) in a scrape.</summary>
    public static double Sum(string scrape, string metric, params string[] labels) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(line => labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Sum(line => double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));

    /// <summary>
    /// The dashboard's counters once they show a live campaign grain (they are taken every second), or as they stand
    /// after 20 s; asserts they show one.
    /// </summary>
    public static async Task<JsonElement> CountersWithCampaignGrainsAsync(HttpClient admin)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement counters;
        do
        {
            await Task.Delay(500);
            counters = await admin.GetFromJsonAsync<JsonElement>("/orleans-dashboard/DashboardCounters");
        }
        while (DateTime.UtcNow < deadline && !ShowsCampaignGrains(counters));
        Assert.True(ShowsCampaignGrains(counters), counters.ToString());
        return counters;
    }

    private static bool ShowsCampaignGrains(JsonElement counters) =>
        counters.GetProperty("simpleGrainStats").EnumerateArray().Any(s =>
            s.GetProperty("grainType").GetString()!.Contains("CampaignGrain", StringComparison.Ordinal) && s.GetProperty("activationCount").GetInt32() > 0);
}
