namespace Fundraising.Contracts.Donations;

/// <summary>An admin's record of a pledge made on stage (认捐), paid later by offline gifts that name it.</summary>
[GenerateSerializer, Immutable]
public sealed record NewPledge(
    [property: Id(0)] string DonorName,
    [property: Id(1)] long Amount,
    [property: Id(2)] string Currency,
    [property: Id(3)] string? Note,
    [property: Id(4)] string RecordedBy);

/// <summary>A stage pledge (认捐): counted only as its offline payments arrive.</summary>
[GenerateSerializer, Immutable]
public sealed record PledgeRecord(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CampaignId,
    [property: Id(2)] string DonorName,
    [property: Id(3)] long Amount,
    [property: Id(4)] string Currency,
    [property: Id(5)] string? Note,
    [property: Id(6)] long PaidAmount,
    [property: Id(7)] string RecordedBy,
    [property: Id(8)] DateTimeOffset CreatedAt)
{
    public long OutstandingAmount => PledgeRules.Outstanding(Amount, PaidAmount);
}

/// <summary>The outcome of recording a pledge.</summary>
[GenerateSerializer, Immutable]
public sealed record PledgeResult(
    [property: Id(0)] DonationError Error,
    [property: Id(1)] PledgeRecord? Pledge,
    [property: Id(2)] string? Detail = null);

/// <summary>What a pledge still allows: the one place this is decided (the ledger's writer asks it under the pledge's row lock).</summary>
public static class PledgeRules
{
    public static long Outstanding(long pledged, long paid) => pledged - paid;

    /// <summary>A payment may complete a pledge in parts, never go past it.</summary>
    public static DonationError Allows(long pledged, long paid, long payment) =>
        payment <= Outstanding(pledged, paid) ? DonationError.None : DonationError.PledgeOverpaid;
}
