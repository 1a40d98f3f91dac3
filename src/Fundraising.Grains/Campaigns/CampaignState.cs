using Fundraising.Contracts.Campaigns;

namespace Fundraising.Grains.Campaigns;

/// <summary>
/// What Orleans persists for a campaign (ADO.NET grain storage): its definition and status.
/// Totals are not here: they change with every donation and live beside the ledger.
/// </summary>
[GenerateSerializer]
public sealed class CampaignState
{
    [Id(0)] public CampaignDefinition? Definition { get; set; }
    [Id(1)] public CampaignStatus Status { get; set; }
}
