namespace Fundraising.Load.Api;

/// <summary>One campaign whose views of the totals disagree.</summary>
public sealed record Mismatch(Guid CampaignId, Totals Generator, Totals Api, Totals? Ledger, Totals? Grain, Totals? Catalogue);

/// <summary>
/// The end of every run: the count and sum of donations the generator saw acknowledged, against the
/// public API, the ledger, the grains (in-memory totals) and the catalogue rows.
/// </summary>
public sealed record ReconciliationReport(
    bool Exact,
    int Campaigns,
    Totals Generator,
    Totals Api,
    Totals Ledger,
    Totals Grain,
    Totals Catalogue,
    bool ServerAllAgree,
    long Unresolved,
    IReadOnlyList<Mismatch> Mismatches)
{
    public string Describe() => Exact
        ? $"Reconciled exactly over {Campaigns:N0} campaigns: generator = API = ledger = grains = catalogue = {Generator}."
        : $"NOT reconciled over {Campaigns:N0} campaigns: generator {Generator}, API {Api}, ledger {Ledger}, grains {Grain}, catalogue {Catalogue}; " +
          $"server agrees with itself: {ServerAllAgree}; in doubt: {Unresolved}; {Mismatches.Count} campaigns differ.";
}

public static class Reconciler
{
    public static async Task<ReconciliationReport> CheckAsync(PlatformApi api, IReadOnlyList<Guid> campaigns, IReadOnlyList<Totals> acknowledged,
        long unresolved, CancellationToken cancellationToken = default)
    {
        var apiTotals = new Totals[campaigns.Count];
        await Parallel.ForAsync(0, campaigns.Count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => apiTotals[i] = await api.GetCampaignTotalsAsync(campaigns[i], ct));
        var server = await api.GetReconciliationAsync(cancellationToken);
        var rows = server.Campaigns.ToDictionary(c => c.CampaignId);

        var mismatches = new List<Mismatch>();
        Totals generator = default, apiSum = default, ledger = default, grain = default, catalogue = default;
        for (var i = 0; i < campaigns.Count; i++)
        {
            var ack = acknowledged[i];
            rows.TryGetValue(campaigns[i], out var row);
            var l = row?.Ledger.ToTotals();
            var g = row?.Grain.ToTotals();
            var c = row?.Catalogue.ToTotals();
            generator = Add(generator, ack);
            apiSum = Add(apiSum, apiTotals[i]);
            ledger = Add(ledger, l ?? default);
            grain = Add(grain, g ?? default);
            catalogue = Add(catalogue, c ?? default);
            if (apiTotals[i] != ack || l != ack || g != ack || c != ack)
            {
                mismatches.Add(new Mismatch(campaigns[i], ack, apiTotals[i], l, g, c));
            }
        }
        var exact = mismatches.Count == 0 && unresolved == 0 && server.AllAgree;
        return new ReconciliationReport(exact, campaigns.Count, generator, apiSum, ledger, grain, catalogue, server.AllAgree, unresolved,
            [.. mismatches.Take(20)]);
    }

    private static Totals Add(Totals a, Totals b) => new(a.Count + b.Count, a.Amount + b.Amount);
}
