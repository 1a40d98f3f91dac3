namespace Fundraising.FakeStripe.Chaos;

/// <summary>
/// The chaos switches, as <c>POST /_fake/chaos</c> takes them and <c>GET</c> shows them. A POST replaces the whole
/// set: a switch left out is off.
/// </summary>
/// <param name="DuplicateRate">Chance (0 to 1) that an event is delivered twice.</param>
/// <param name="ReorderWindowMs">Events are held this long from the first one held, then sent in random order.</param>
/// <param name="DelayMs">Every delivery waits this long before its first attempt.</param>
/// <param name="DropRate">Chance (0 to 1) that an event is never delivered (it stays <c>delivery_success=false</c>).</param>
/// <param name="ApiFault"><c>null</c>, <c>"500"</c> (answer 500 with a Stripe error), <c>"timeout"</c> (hang until the client gives up; nothing
/// is carried out) or <c>"lost"</c> (the call is carried out, then the connection is cut before the answer: the client cannot tell it happened).</param>
/// <param name="ApiFaultCount">How many API calls fault: 0 or absent means 1, -1 means every call until switched off. GET shows what is left.</param>
/// <param name="ApiFaultPath">Only API calls whose path starts with this fault (for example <c>/v1/refunds</c>); absent means all.</param>
/// <param name="Seed">Re-seeds the random source, so the same sequence of events meets the same chaos.</param>
public sealed record ChaosSettings(
    double DuplicateRate = 0,
    int ReorderWindowMs = 0,
    int DelayMs = 0,
    double DropRate = 0,
    string? ApiFault = null,
    int ApiFaultCount = 0,
    string? ApiFaultPath = null,
    int? Seed = null)
{
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (DuplicateRate is < 0 or > 1 || double.IsNaN(DuplicateRate))
        {
            errors["duplicateRate"] = ["Between 0 and 1."];
        }
        if (DropRate is < 0 or > 1 || double.IsNaN(DropRate))
        {
            errors["dropRate"] = ["Between 0 and 1."];
        }
        if (ReorderWindowMs < 0)
        {
            errors["reorderWindowMs"] = ["Not negative."];
        }
        if (DelayMs < 0)
        {
            errors["delayMs"] = ["Not negative."];
        }
        if (ApiFault is not (null or "500" or "timeout" or "lost"))
        {
            errors["apiFault"] = ["null, \"500\", \"timeout\" or \"lost\"."];
        }
        if (ApiFaultCount < -1)
        {
            errors["apiFaultCount"] = ["-1 (every call), 0 (one call) or a positive count."];
        }
        return errors;
    }
}
